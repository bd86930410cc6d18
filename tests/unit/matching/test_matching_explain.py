"""Default sentences for reasons, in English and French."""

from __future__ import annotations

import pytest

from matching import Reason, describe

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
