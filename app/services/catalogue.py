"""Public AI solutions catalogue: filter options, full-text search and public detail pages.

Only published solutions of providers that consented to the catalogue are ever returned.
Search is one function whatever the database (see docs/catalogue.md):

- PostgreSQL: `to_tsvector('french', ...)` over accent-folded text (`translate`, so no
  `unaccent` extension is needed), `websearch_to_tsquery`, ordered by `ts_rank`;
- SQLite: an FTS5 table `fts_solution` (tokenizer `unicode61 remove_diacritics 2`) kept up to
  date by triggers, queried with MATCH and ordered by `bm25`;
- any other database: LIKE on each term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from app.models import (
    BusinessFunction,
    CompanySize,
    HostingOption,
    Organisation,
    Region,
    Sector,
    Solution,
    UseCase,
    db,
)
from app.models.enums import OrganisationKind

PER_PAGE = 20
MAX_QUERY_LENGTH = 200  # characters of `q` kept; the rest is ignored
MAX_TERMS = 12  # search terms kept
MAX_PAGE = 10_000

# Accent folding for PostgreSQL, one character to one character (`translate`); immutable, so
# usable in an index expression, and no extension to install.
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸœŒæÆ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyyooaa"
assert len(_ACCENTED) == len(_PLAIN)

_TERM = re.compile(r"\w+", re.UNICODE)

FTS_TABLE = "fts_solution"
FTS_TRIGGERS = {
    "fts_solution_ai": """
        CREATE TRIGGER IF NOT EXISTS fts_solution_ai AFTER INSERT ON solution BEGIN
          INSERT INTO fts_solution (rowid, name, summary, description, provider_name,
                                    provider_description)
          SELECT new.id, new.name, new.summary, new.description, o.name, o.description
          FROM organisation AS o WHERE o.id = new.provider_id;
        END""",
    "fts_solution_au": """
        CREATE TRIGGER IF NOT EXISTS fts_solution_au AFTER UPDATE ON solution BEGIN
          DELETE FROM fts_solution WHERE rowid = old.id;
          INSERT INTO fts_solution (rowid, name, summary, description, provider_name,
                                    provider_description)
          SELECT new.id, new.name, new.summary, new.description, o.name, o.description
          FROM organisation AS o WHERE o.id = new.provider_id;
        END""",
    "fts_solution_ad": """
        CREATE TRIGGER IF NOT EXISTS fts_solution_ad AFTER DELETE ON solution BEGIN
          DELETE FROM fts_solution WHERE rowid = old.id;
        END""",
    "fts_organisation_au": """
        CREATE TRIGGER IF NOT EXISTS fts_organisation_au
        AFTER UPDATE OF name, description ON organisation BEGIN
          UPDATE fts_solution SET provider_name = new.name, provider_description = new.description
          WHERE rowid IN (SELECT id FROM solution WHERE provider_id = new.id);
        END""",
    "fts_organisation_ad": """
        CREATE TRIGGER IF NOT EXISTS fts_organisation_ad AFTER DELETE ON organisation BEGIN
          DELETE FROM fts_solution
          WHERE rowid IN (SELECT id FROM solution WHERE provider_id = old.id);
        END""",
}
_FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts_solution USING fts5("
    "name, summary, description, provider_name, provider_description, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
_FTS_BACKFILL = (
    "INSERT INTO fts_solution (rowid, name, summary, description, provider_name,"
    " provider_description)"
    " SELECT s.id, s.name, s.summary, s.description, o.name, o.description"
    " FROM solution AS s JOIN organisation AS o ON o.id = s.provider_id"
)
# bm25 weights per column: name, summary, description, provider name, provider description.
_BM25_WEIGHTS = (10.0, 4.0, 1.0, 4.0, 1.0)


def _pg_vector(*weighted_columns: tuple[str, str]) -> str:
    """SQL of the weighted French tsvector of `(column, weight)` pairs, accent-folded.

    The expression indexes use this very text (with unqualified columns), so the planner can
    match them.
    """
    return " || ".join(
        f"setweight(to_tsvector('french'::regconfig, translate({column}, '{_ACCENTED}',"
        f" '{_PLAIN}')), '{weight}')"
        for column, weight in weighted_columns
    )


def _solution_vector(prefix: str = "") -> str:
    return _pg_vector(
        (f"{prefix}name", "A"), (f"{prefix}summary", "B"), (f"{prefix}description", "C")
    )


def _organisation_vector(prefix: str = "") -> str:
    return _pg_vector((f"{prefix}name", "B"), (f"{prefix}description", "D"))


PG_INDEXES = {
    "ix_fts_solution": ("solution", _solution_vector()),
    "ix_fts_organisation": ("organisation", _organisation_vector()),
}


@dataclass(frozen=True)
class CatalogueFilters:
    """Chosen filter codes; several values of one filter are alternatives (OR)."""

    use_case: tuple[str, ...] = ()
    function: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    hosting: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


FILTER_NAMES = tuple(f.name for f in fields(CatalogueFilters))
_FILTER_MODELS = {
    "function": BusinessFunction,
    "sector": Sector,
    "size": CompanySize,
    "region": Region,
    "hosting": HostingOption,
}


def filter_options() -> dict[str, list]:
    """Reference items offered by each filter, in their reference order."""
    options = {
        name: list(db.session.scalars(sa.select(model).order_by(model.position)))
        for name, model in _FILTER_MODELS.items()
    }
    options["use_case"] = list(
        db.session.scalars(
            sa.select(UseCase)
            .join(UseCase.function)
            .options(contains_eager(UseCase.function))
            .order_by(BusinessFunction.position, UseCase.position)
        )
    )
    return options


def clean_filters(chosen: dict[str, list[str]], options: dict[str, list]) -> CatalogueFilters:
    """Keep only known codes, once each, in reference order; unknown codes are ignored."""
    values = {}
    for name in FILTER_NAMES:
        wanted = set(chosen.get(name, ()))
        values[name] = tuple(item.code for item in options[name] if item.code in wanted)
    return CatalogueFilters(**values)


def search_terms(q: str) -> list[str]:
    """The words of a user query (punctuation and operators dropped), at most MAX_TERMS."""
    return _TERM.findall(q[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def _public_solutions() -> sa.Select:
    return (
        sa.select(Solution)
        .join(Solution.provider)
        .where(
            Solution.published.is_(True),
            Organisation.kind == OrganisationKind.PROVIDER,
            Organisation.catalogue_consent.is_(True),
        )
    )


def _apply_filters(stmt: sa.Select, filters: CatalogueFilters) -> sa.Select:
    if filters.use_case:
        stmt = stmt.where(Solution.use_cases.any(UseCase.code.in_(filters.use_case)))
    if filters.function:
        stmt = stmt.where(Solution.use_cases.any(UseCase.function_code.in_(filters.function)))
    if filters.sector:
        stmt = stmt.where(Solution.sectors.any(Sector.code.in_(filters.sector)))
    if filters.size:
        stmt = stmt.where(Solution.sizes.any(CompanySize.code.in_(filters.size)))
    if filters.hosting:
        stmt = stmt.where(Solution.hosting.any(HostingOption.code.in_(filters.hosting)))
    if filters.region:
        stmt = stmt.where(Organisation.region_code.in_(filters.region))
    return stmt


def _search_postgresql(stmt: sa.Select, q: str) -> sa.Select:
    # The user's text goes to websearch_to_tsquery, which never raises on bad syntax.
    query = sa.func.websearch_to_tsquery(
        sa.literal_column("'french'::regconfig"),
        sa.func.translate(q, _ACCENTED, _PLAIN),
    )
    vector = sa.literal_column(
        f"({_solution_vector('solution.')}) || ({_organisation_vector('organisation.')})"
    )
    rank = sa.func.ts_rank(vector, query)
    return stmt.where(vector.op("@@")(query)).order_by(rank.desc())


def _fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: each term quoted (no operator can slip in), prefix-matched."""
    return " ".join(f'"{term}"*' for term in terms)


def _search_sqlite(stmt: sa.Select, terms: list[str]) -> sa.Select:
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
    fts_ref = sa.literal_column(FTS_TABLE)
    rank = sa.func.bm25(fts_ref, *_BM25_WEIGHTS).label("rank")
    hits = (
        sa.select(fts.c.rowid.label("solution_id"), rank)
        .where(fts_ref.op("MATCH")(_fts5_query(terms)))
        .subquery("hits")
    )
    return stmt.join(hits, hits.c.solution_id == Solution.id).order_by(hits.c.rank)


def _search_like(stmt: sa.Select, terms: list[str]) -> sa.Select:
    columns = (Solution.name, Solution.summary, Solution.description, Organisation.name)
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(sa.or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return stmt


def search_solutions(*, q: str, filters: CatalogueFilters, page: int, per_page: int = PER_PAGE):
    """A page of public solutions matching `q` and `filters`, best matches first.

    Without a query, solutions are ordered by provider name then solution name. A page past
    the end is clamped to the last page.
    """
    stmt = _apply_filters(_public_solutions(), filters)
    terms = search_terms(q)
    dialect = db.engine.dialect.name
    if terms and dialect == "postgresql":
        stmt = _search_postgresql(stmt, " ".join(terms))
    elif terms and dialect == "sqlite" and ensure_search_index(db.engine):
        stmt = _search_sqlite(stmt, terms)
    elif terms:
        stmt = _search_like(stmt, terms)
    stmt = stmt.order_by(Organisation.name_key, Solution.name, Solution.id).options(
        contains_eager(Solution.provider),
        selectinload(Solution.use_cases),
        selectinload(Solution.hosting),
    )
    page = min(max(page, 1), MAX_PAGE)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if result.total and page > result.pages:
        result = db.paginate(stmt, page=result.pages, per_page=per_page, error_out=False)
    return result


def get_public_solution(solution_id: int) -> Solution | None:
    """A published solution of a consenting provider, or None."""
    stmt = _public_solutions().where(Solution.id == solution_id)
    return db.session.scalars(stmt.options(contains_eager(Solution.provider))).first()


def get_public_provider(provider_id: int) -> Organisation | None:
    """A provider that consented to the catalogue, or None (never a company)."""
    return db.session.scalars(
        sa.select(Organisation).where(
            Organisation.id == provider_id,
            Organisation.kind == OrganisationKind.PROVIDER,
            Organisation.catalogue_consent.is_(True),
        )
    ).first()


def public_solutions_of(provider: Organisation) -> list[Solution]:
    """The provider's published solutions, by name."""
    return list(
        db.session.scalars(
            sa.select(Solution)
            .where(Solution.provider_id == provider.id, Solution.published.is_(True))
            .order_by(Solution.name)
        )
    )


def ensure_search_index(bind: sa.Engine | sa.Connection) -> bool:
    """Create the full-text search objects if missing; return True if the index is usable.

    SQLite: the FTS5 table, its triggers and its content (rebuilt when any trigger was
    missing, e.g. after the solution table was recreated). PostgreSQL: the GIN expression
    indexes. Idempotent; cheap when everything exists (one query on sqlite_master).
    """
    if isinstance(bind, sa.Engine):
        with bind.begin() as conn:
            return ensure_search_index(conn)
    dialect = bind.dialect.name
    if dialect == "postgresql":
        for name, (table, vector) in PG_INDEXES.items():
            bind.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({vector}))"
            )
        return True
    if dialect != "sqlite":
        return False
    names = {FTS_TABLE, *FTS_TRIGGERS}
    present = set(
        bind.execute(
            sa.text("SELECT name FROM sqlite_master WHERE name IN :names").bindparams(
                sa.bindparam("names", expanding=True)
            ),
            {"names": sorted(names)},
        ).scalars()
    )
    if present == names:
        return True
    try:
        bind.exec_driver_sql(_FTS_CREATE)
    except sa.exc.OperationalError:  # SQLite built without FTS5: search falls back to LIKE
        return False
    for ddl in FTS_TRIGGERS.values():
        bind.exec_driver_sql(ddl)
    bind.exec_driver_sql(f"DELETE FROM {FTS_TABLE}")
    bind.exec_driver_sql(_FTS_BACKFILL)
    return True


def drop_search_index(bind: sa.Connection) -> None:
    """Drop the full-text search objects (triggers, FTS table, indexes) if present."""
    if bind.dialect.name == "postgresql":
        for name in PG_INDEXES:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    elif bind.dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
