"""Public AI solutions catalogue: filter options, full-text search and public detail pages.

Only published solutions of providers that consented to the catalogue are ever returned.
Search is one function whatever the database (see docs/catalogue.md):

- PostgreSQL: `to_tsvector('french', fts_fold(...))` (accent folding without the unaccent
  extension) answered from GIN expression indexes, `websearch_to_tsquery`, `ts_rank` order;
- SQLite: an FTS5 table `fts_solution` (tokenizer `unicode61 remove_diacritics 2`) kept up to
  date by triggers, queried with MATCH and ordered by `bm25`;
- any other database: LIKE on each term.
"""

from __future__ import annotations

import contextlib
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

# Accent folding for PostgreSQL without the unaccent extension: `lower` then `translate`, in
# an IMMUTABLE function (so usable in index expressions). Its high COST tells the planner that
# folding every row is expensive (it is: several times the cost of to_tsvector), so it answers
# searches from the GIN indexes instead of scanning the table, even for common words.
PG_FOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION fts_fold(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
BEGIN
  RETURN translate(lower(value), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa');
END
$$"""

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
        f"setweight(to_tsvector('french'::regconfig, fts_fold({column})), '{weight}')"
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


def _pg_query(text_sql: str) -> str:
    """SQL of the accent-folded French tsquery of `text_sql` (never raises on bad syntax)."""
    return f"websearch_to_tsquery('french'::regconfig, fts_fold({text_sql}))"


def _pg_searchable(terms: list[str]) -> list[str]:
    """The terms that are not French stop words (those would match nothing)."""
    return list(
        db.session.scalars(
            sa.text(
                "SELECT t FROM unnest(CAST(:terms AS text[])) WITH ORDINALITY AS u(t, n)"
                f" WHERE numnode({_pg_query('t')}) > 0 ORDER BY n"
            ),
            {"terms": terms},
        )
    )


def _pg_term_hits(index: int, term: str) -> sa.TextClause:
    """Ids of solutions whose own text or whose provider's text contains `term`.

    Each half is answered by a GIN expression index; intersecting the terms gives the same
    result as searching the solution and provider texts as one document.
    """
    param = f"fts_term_{index}"
    return (
        sa.text(
            f"SELECT solution.id FROM solution"
            f" WHERE ({_solution_vector('solution.')}) @@ {_pg_query(':' + param)}"
            f" UNION SELECT solution.id FROM solution"
            f" JOIN organisation ON organisation.id = solution.provider_id"
            f" WHERE ({_organisation_vector('organisation.')}) @@ {_pg_query(':' + param)}"
        )
        .bindparams(sa.bindparam(param, term))
        .columns(id=sa.Integer)
    )


def _pg_search_ready() -> bool:
    """Whether fts_fold exists; created (with the indexes) on first use if it does not."""
    check = sa.text("SELECT to_regprocedure('fts_fold(text)') IS NOT NULL")
    if db.session.scalar(check):
        return True
    # A concurrent creation or no right to create: search falls back to LIKE.
    with contextlib.suppress(sa.exc.DBAPIError):
        ensure_search_index(db.engine)
    return bool(db.session.scalar(check))


def _search_postgresql(stmt: sa.Select, terms: list[str]) -> sa.Select:
    terms = _pg_searchable(terms)
    if not terms:
        return stmt
    for index, term in enumerate(terms):
        stmt = stmt.where(Solution.id.in_(_pg_term_hits(index, term)))
    # Ranked on the short fields only: folding long descriptions for every hit costs too much.
    rank_vector = sa.literal_column(
        _pg_vector(("solution.name", "A"), ("solution.summary", "B"), ("organisation.name", "B"))
    )
    query = sa.text(_pg_query(":fts_terms")).bindparams(fts_terms=" ".join(terms))
    return stmt.order_by(sa.func.ts_rank(rank_vector, query).desc())


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
    if terms and dialect == "postgresql" and _pg_search_ready():
        stmt = _search_postgresql(stmt, terms)
    elif terms and dialect == "sqlite" and ensure_search_index(db.engine):
        stmt = _search_sqlite(stmt, terms)
    elif terms:
        stmt = _search_like(stmt, terms)
    stmt = stmt.order_by(Organisation.name_key, sa.func.lower(Solution.name), Solution.id).options(
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
        if bind.scalar(sa.text("SELECT to_regprocedure('fts_fold(text)')")) is None:
            bind.exec_driver_sql(PG_FOLD_FUNCTION)
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
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS fts_fold(text)")
    elif bind.dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
