"""The public AI solutions catalogue as a visitor sees it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from app.models import (
    CompanySize,
    HostingOption,
    Organisation,
    Sector,
    Solution,
    UseCase,
    db,
)
from app.models.enums import Maturity, OrganisationKind, PriceRange
from app.services.catalogue import (
    FTS_TRIGGERS,
    PG_FOLD_FUNCTION,
    PG_INDEXES,
    _public_solutions,
    _search_postgresql,
    drop_search_index,
    ensure_search_index,
)


@pytest.fixture
def client(db_app):
    ensure_search_index(db.engine)
    return db_app.test_client()


def provider(name: str, *, consent: bool = True, region: str | None = "84", **kw) -> Organisation:
    org = Organisation(
        kind=OrganisationKind.PROVIDER,
        name=name,
        catalogue_consent=consent,
        region_code=region,
        **kw,
    )
    db.session.add(org)
    db.session.commit()
    return org


def solution(
    owner: Organisation,
    name: str,
    *,
    summary: str = "Une solution d'IA.",
    use_cases: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    sizes: tuple[str, ...] = (),
    hosting: tuple[str, ...] = (),
    **kw,
) -> Solution:
    sol = Solution(provider=owner, name=name, summary=summary, **kw)
    db.session.add(sol)
    sol.use_cases = [db.session.get(UseCase, c) for c in use_cases]
    sol.sectors = [db.session.get(Sector, c) for c in sectors]
    sol.sizes = [db.session.get(CompanySize, c) for c in sizes]
    sol.hosting = [db.session.get(HostingOption, c) for c in hosting]
    db.session.commit()
    return sol


def names(page: str) -> list[str]:
    """Solution names listed on a catalogue page, in order."""
    return re.findall(r'<h3><a href="/catalogue/solutions/\d+">([^<]*)</a></h3>', page)


def get(client, url: str, **params) -> str:
    response = client.get(url, query_string=params or None)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def catalogue(client):
    """Two consenting providers with varied solutions, and hidden ones."""
    visionaut = provider(
        "Visionaut", region="84", description="Vision par ordinateur pour l'industrie."
    )
    lexia = provider("Lexia", region="11", description="Traitement du langage naturel.")
    solution(
        visionaut,
        "Contrôle qualité visuel",
        summary="Détection de défauts sur ligne de production.",
        description="Caméras et apprentissage profond.",
        use_cases=("production.quality_inspection",),
        sectors=("C",),
        sizes=("PME", "ETI"),
        hosting=("on_premise",),
    )
    solution(
        visionaut,
        "Maintenance prédictive",
        summary="Anticipe les pannes des machines.",
        use_cases=("production.predictive_maintenance",),
        sectors=("C", "D"),
        sizes=("ETI",),
        hosting=("eu_cloud",),
    )
    solution(
        lexia,
        "Assistant client",
        summary="Chatbot pour le service client.",
        use_cases=("sales.chatbot",),
        sectors=("G",),
        sizes=("TPE", "PME"),
        hosting=("eu_cloud", "secnumcloud"),
    )
    hidden = provider("Cachée SAS", consent=False)
    solution(hidden, "Solution sans consentement", summary="Ne doit pas apparaître.")
    solution(lexia, "Brouillon secret", summary="Non publiée.", published=False)
    company = Organisation(
        kind=OrganisationKind.COMPANY, name="Entreprise cliente", catalogue_consent=True
    )
    db.session.add(company)
    db.session.commit()
    return {"visionaut": visionaut, "lexia": lexia, "hidden": hidden, "company": company}


def test_catalogue_lists_public_solutions_by_provider_then_name(client, catalogue):
    page = get(client, "/catalogue/")
    assert names(page) == ["Assistant client", "Contrôle qualité visuel", "Maintenance prédictive"]
    assert "3 solutions trouvées" in page
    assert "Solution sans consentement" not in page
    assert "Brouillon secret" not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"use_case": "sales.chatbot"}, ["Assistant client"]),
        (
            {"use_case": ["sales.chatbot", "production.quality_inspection"]},
            ["Assistant client", "Contrôle qualité visuel"],
        ),
        ({"function": "production"}, ["Contrôle qualité visuel", "Maintenance prédictive"]),
        ({"sector": "D"}, ["Maintenance prédictive"]),
        ({"size": "TPE"}, ["Assistant client"]),
        ({"region": "11"}, ["Assistant client"]),
        ({"hosting": "eu_cloud"}, ["Assistant client", "Maintenance prédictive"]),
        ({"hosting": "eu_cloud", "sector": "C"}, ["Maintenance prédictive"]),
    ],
    ids=[
        "use-case",
        "two-use-cases",
        "function",
        "sector",
        "size",
        "region",
        "hosting",
        "hosting-and-sector",
    ],
)
def test_catalogue_filter_narrows_the_list(client, catalogue, params, expected):
    assert names(get(client, "/catalogue/", **params)) == expected


def test_catalogue_form_keeps_chosen_values(client, catalogue):
    page = get(client, "/catalogue/", q="vision", sector=["C", "D"], hosting="eu_cloud")
    assert 'name="q" value="vision"' in page
    assert re.search(r'name="sector" value="C" checked', page)
    assert re.search(r'name="sector" value="D" checked', page)
    assert re.search(r'name="hosting" value="eu_cloud" checked', page)
    assert not re.search(r'name="hosting" value="on_premise" checked', page)
    assert '<label for="f-sector-C">' in page


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Assistant", ["Assistant client"]),
        ("pannes", ["Maintenance prédictive"]),
        ("chatbot", ["Assistant client"]),
        ("Visionaut", ["Contrôle qualité visuel", "Maintenance prédictive"]),
        ("langage naturel", ["Assistant client"]),
        ("maintenance predictive", ["Maintenance prédictive"]),
        ("CONTROLE QUALITE", ["Contrôle qualité visuel"]),
        ("apprentissage profond", ["Contrôle qualité visuel"]),
        ("Lexia chatbot", ["Assistant client"]),
        ("machine", ["Maintenance prédictive"]),
        ("pannes des machines", ["Maintenance prédictive"]),
        ("introuvable", []),
    ],
    ids=[
        "name",
        "summary",
        "summary-word",
        "provider-name",
        "provider-description",
        "accents-ignored",
        "case-and-accents",
        "description",
        "provider-and-solution-words",
        "singular-finds-plural",
        "with-stop-word",
        "no-match",
    ],
)
def test_catalogue_search_finds(client, catalogue, q, expected):
    assert sorted(names(get(client, "/catalogue/", q=q))) == expected


def test_catalogue_search_ranks_name_matches_first(client, catalogue):
    other = provider("Alpha Data")
    solution(other, "Tableaux de bord", summary="Un outil. Maintenance de vos rapports.")
    found = names(get(client, "/catalogue/", q="maintenance"))
    assert found[0] == "Maintenance prédictive"
    assert set(found) == {"Maintenance prédictive", "Tableaux de bord"}


def test_catalogue_search_never_shows_hidden_solutions(client, catalogue):
    for q in ("consentement", "Cachée", "Brouillon secret", "Entreprise cliente"):
        assert names(get(client, "/catalogue/", q=q)) == []


def test_catalogue_search_follows_provider_changes(client, catalogue):
    catalogue["lexia"].name = "Parolia"
    db.session.commit()
    assert names(get(client, "/catalogue/", q="Parolia")) == ["Assistant client"]
    assert names(get(client, "/catalogue/", q="Lexia")) == []


def test_catalogue_search_follows_solution_changes(client, catalogue):
    sol = db.session.scalars(db.select(Solution).filter_by(name="Assistant client")).one()
    sol.summary = "Agent vocal multilingue."
    db.session.commit()
    assert names(get(client, "/catalogue/", q="vocal")) == ["Assistant client"]
    db.session.delete(sol)
    db.session.commit()
    assert names(get(client, "/catalogue/", q="vocal")) == []


@pytest.mark.parametrize(
    "params",
    [
        {"q": '" OR 1=1 --'},
        {"q": "AND ("},
        {"q": "*"},
        {"q": '"'},
        {"q": "NEAR(a b) OR NOT -x:y ^z"},
        {"q": "x" * 5000},
        {"q": "\x00\u202e<>"},
        {"page": "-1"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"sector": "ZZ", "use_case": "nope", "region": "'; DROP TABLE solution; --"},
        {"size": ["x"] * 500},
    ],
    ids=[
        "sql-like",
        "fts-operator",
        "star",
        "quote",
        "fts-syntax",
        "long-q",
        "control-chars",
        "page-minus-1",
        "page-minus-3",
        "page-text",
        "page-huge",
        "unknown-codes",
        "many-values",
    ],
)
def test_catalogue_hostile_input_gives_a_page(client, catalogue, params):
    response = client.get("/catalogue/", query_string=params)
    assert response.status_code == 200


def test_catalogue_unknown_codes_are_ignored(client, catalogue):
    page = get(client, "/catalogue/", sector=["ZZ", "D"], region="nope")
    assert names(page) == ["Maintenance prédictive"]


def test_catalogue_page_past_the_end_shows_the_last_page(client, catalogue):
    assert len(names(get(client, "/catalogue/", page="7"))) == 3


def test_catalogue_no_result_offers_a_reset_link(client, catalogue):
    page = get(client, "/catalogue/", q="introuvable")
    assert "0 solution trouvée" in page
    assert "Aucune solution ne correspond à votre recherche." in page
    assert 'href="/catalogue/">Réinitialiser les filtres et afficher toutes les solutions' in page


def test_catalogue_pagination_keeps_filters(client):
    owner = provider("Omega")
    for n in range(45):
        solution(owner, f"Outil {n:02d}", sectors=("C",), hosting=("eu_cloud",))
    solution(owner, "Hors filtre", sectors=("G",))
    first = get(client, "/catalogue/", sector="C")
    assert "45 solutions trouvées" in first
    assert names(first) == [f"Outil {n:02d}" for n in range(20)]
    links = re.findall(r'href="(/catalogue/\?[^"]*page=2[^"]*)"', first)
    assert links
    assert "sector=C" in links[0]
    third = get(client, links[0].replace("page=2", "page=3").replace("&amp;", "&"))
    assert names(third) == [f"Outil {n:02d}" for n in range(40, 45)]
    assert 'aria-current="page"' in third
    searched = get(client, "/catalogue/", q="outil", sector="C", page="2")
    assert len(names(searched)) == 20
    assert re.search(r'href="/catalogue/\?[^"]*q=outil[^"]*page=3', searched)


def test_catalogue_escapes_user_text(client):
    owner = provider("<b>Fournisseur</b>")
    sol = solution(owner, "<script>alert(1)</script>", summary="<img src=x onerror=alert(1)>")
    for url in (
        "/catalogue/",
        f"/catalogue/solutions/{sol.id}",
        f"/catalogue/fournisseurs/{owner.id}",
    ):
        page = get(client, url)
        assert "<script>alert(1)</script>" not in page
        assert "<b>Fournisseur</b>" not in page
        assert "&lt;b&gt;Fournisseur&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get(client, "/catalogue/")


def test_solution_page_shows_details_in_french(client, catalogue):
    sol = db.session.scalars(db.select(Solution).filter_by(name="Assistant client")).one()
    sol.maturity = Maturity.PILOT
    sol.price_range = PriceRange.ON_QUOTE
    sol.customer_references = "Boulangeries Martin"
    db.session.commit()
    page = get(client, f"/catalogue/solutions/{sol.id}")
    assert "<h1>Assistant client</h1>" in page
    assert "Assistant conversationnel service client" in page
    assert "Cloud hébergé dans l&#39;UE" in page
    assert "Très petite entreprise" in page
    assert "Sur devis" in page
    assert "Boulangeries Martin" in page
    assert f'href="/catalogue/fournisseurs/{catalogue["lexia"].id}"' in page


def test_catalogue_in_english_after_switching_language(client, catalogue):
    client.post("/langue", data={"lang": "en", "next": "/"})
    page = get(client, "/catalogue/")
    assert '<html lang="en">' in page
    assert "3 solutions found" in page
    assert "Customer-service chatbot" in page
    sol = db.session.scalars(db.select(Solution).filter_by(name="Assistant client")).one()
    detail = get(client, f"/catalogue/solutions/{sol.id}")
    assert "Cloud hosted in the EU" in detail
    assert "Micro company" in detail


def test_provider_page_lists_published_solutions_only(client, catalogue):
    page = get(client, f"/catalogue/fournisseurs/{catalogue['lexia'].id}")
    assert "<h1>Lexia</h1>" in page
    assert "Île-de-France" in page
    assert names(page) == ["Assistant client"]
    assert "Brouillon secret" not in page


def test_provider_page_links_only_to_web_addresses(client):
    good = provider("Bonne Adresse", website="https://example.org/")
    bad = provider("Mauvaise Adresse", website="javascript:alert(1)")
    assert 'href="https://example.org/"' in get(client, f"/catalogue/fournisseurs/{good.id}")
    assert "javascript:" not in get(client, f"/catalogue/fournisseurs/{bad.id}")


def test_hidden_solutions_and_organisations_give_404(client, catalogue):
    hidden = catalogue["hidden"].solutions[0]
    draft = db.session.scalars(db.select(Solution).filter_by(name="Brouillon secret")).one()
    for url in (
        f"/catalogue/solutions/{hidden.id}",
        f"/catalogue/solutions/{draft.id}",
        "/catalogue/solutions/999999",
        f"/catalogue/fournisseurs/{catalogue['hidden'].id}",
        f"/catalogue/fournisseurs/{catalogue['company'].id}",
        "/catalogue/fournisseurs/999999",
        "/catalogue/fournisseurs/abc",
    ):
        assert client.get(url).status_code == 404, url


def test_search_index_migration_matches_the_service():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    (migration_file,) = path.glob("*_catalogue_full_text_search.py")
    spec = importlib.util.spec_from_file_location("fts_migration", migration_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.INDEXES == PG_INDEXES
    assert module.FOLD_FUNCTION == PG_FOLD_FUNCTION
    assert set(module.SQLITE_TRIGGERS) == set(FTS_TRIGGERS)


def test_search_index_is_created_on_first_search_and_idempotent(client, catalogue):
    drop_search_index(db.session.connection())
    db.session.commit()
    assert names(get(client, "/catalogue/", q="pannes")) == ["Maintenance prédictive"]
    assert ensure_search_index(db.engine) is True
    assert ensure_search_index(db.engine) is True
    assert names(get(client, "/catalogue/", q="pannes")) == ["Maintenance prédictive"]


def test_catalogue_active_filters_link_removes_one_value(client, catalogue):
    page = get(client, "/catalogue/", q="machines", sector=["C", "D"])
    assert "« machines »" in page
    removal = re.findall(r'<a href="(/catalogue/\?[^"]*)">Production et distribution d', page)
    assert removal == ["/catalogue/?sector=C&amp;q=machines"]
    assert names(get(client, removal[0].replace("&amp;", "&"))) == ["Maintenance prédictive"]
    assert 'href="/catalogue/?sector=C&amp;sector=D">« machines »' in page


def test_catalogue_escapes_the_search_text(client, catalogue):
    page = get(client, "/catalogue/", q='<script>alert("q")</script>')
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_postgresql_search_is_answered_from_the_indexes(client, catalogue):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("GIN expression indexes are PostgreSQL only")
    stmt = _search_postgresql(_public_solutions(), ["pannes", "Visionaut"])
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(db.session.scalars(db.text("EXPLAIN " + sql)))
    assert "ix_fts_solution" in plan
    assert "ix_fts_organisation" in plan
