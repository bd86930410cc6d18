"""Default sentences for reasons, in English and French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching import CompanyProfile, ProviderProfile, Reason, describe, score_all

LABELS = {
    "production.predictive_maintenance": "maintenance prédictive",
    "production.energy": "énergie",
    "rnd.design": "conception générative",
}
THREE = Reason("use_cases", tuple(LABELS), 0.4)


@pytest.mark.parametrize(
    ("reason", "locale", "expected"),
    [
        (
            THREE,
            "fr",
            "3 cas d'usage en commun : maintenance prédictive, énergie, conception générative",
        ),
        (
            THREE,
            "en",
            "3 shared use cases: maintenance prédictive, énergie, conception générative",
        ),
        (Reason("use_cases", ("x",), 0.1), "en", "1 shared use case: x"),
        (Reason("use_cases", tuple("abcdef"), 0.1), "en", "6 shared use cases: a, b, c, d, …"),
        (Reason("text", (), 0.123), "fr", "Descriptions proches (+12 points)"),
        (Reason("sector", ("C",), 0.1), "en", "Sector served: C"),
        (Reason("region", ("53",), 0.05), "fr", "Même région : 53"),
        (Reason("hosting", ("eu_cloud",), 0.1), "en", "Hosting wish met: eu_cloud"),
        (Reason("language", ("en", "fr"), 0.0), "fr", "Langue commune : anglais, français"),
        (
            Reason("no_common_language", (), -0.3),
            "en",
            "No common language (score reduced by 30 points)",
        ),
        (Reason("no_common_language"), "fr", "Aucune langue commune"),
        (Reason("unknown_code"), "en", "unknown_code"),
    ],
    ids=[
        "fr-use-cases",
        "en-use-cases",
        "singular",
        "truncated",
        "text",
        "sector",
        "region",
        "hosting",
        "languages",
        "penalty",
        "no-language",
        "unknown",
    ],
)
def test_describe_renders_sentence(reason, locale, expected):
    assert describe(reason, locale, LABELS) == expected


def test_describe_labels_override_language_names():
    assert describe(Reason("language", ("fr",)), "en", {"fr": "Français"}) == (
        "Common language: Français"
    )


def test_describe_without_labels_shows_codes():
    assert describe(Reason("sector", ("C",), 0.1)) == "Sector served: C"


def test_describe_unknown_locale_raises():
    with pytest.raises(ValueError, match="unsupported locale 'de'"):
        describe(THREE, "de")


def taxonomy_labels(locale: str) -> dict[str, str]:
    path = Path(__file__).resolve().parents[3] / "app" / "data" / "taxonomy.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    labels = {u["code"]: u[locale] for f in data["functions"] for u in f["use_cases"]}
    labels |= {item["code"]: item[locale] for key in ("sectors", "hosting") for item in data[key]}
    return labels


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "fr",
            [
                "2 cas d'usage en commun : Maintenance prédictive, Contrôle qualité par vision",
                "Secteur couvert : Industrie manufacturière",
                "Hébergement souhaité proposé : Cloud hébergé dans l'UE",
                "Langue commune : français",
            ],
        ),
        (
            "en",
            [
                "2 shared use cases: Predictive maintenance, Visual quality inspection",
                "Sector served: Manufacturing",
                "Hosting wish met: Cloud hosted in the EU",
                "Common language: French",
            ],
        ),
    ],
    ids=["fr", "en"],
)
def test_describe_scored_match_with_taxonomy_labels(locale, expected):
    needs = frozenset({"production.predictive_maintenance", "production.quality_inspection"})
    company = CompanyProfile(
        id=1, use_cases=needs, sector="C", hosting_wishes=frozenset({"eu_cloud"})
    )
    provider = ProviderProfile(
        id=2, use_cases=needs, sectors_served=frozenset("C"), hosting=frozenset({"eu_cloud"})
    )
    match = score_all([company], [provider])[0]
    labels = taxonomy_labels(locale)
    assert [describe(r, locale, labels) for r in match.reasons] == expected
