"""Default English and French sentences for match reasons; the app may render its own."""

from __future__ import annotations

from collections.abc import Mapping

from matching.model import Reason

LOCALES = ("en", "fr")
MAX_LISTED = 4

LANGUAGE_NAMES = {
    "en": {"fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"},
    "fr": {"fr": "français", "en": "anglais", "de": "allemand", "es": "espagnol", "it": "italien"},
}

PENALTY_SUFFIX = {
    "en": " (score reduced by {lost} points)",
    "fr": " (score réduit de {lost} points)",
}

# {n}: number of items, {items}: their labels, {points}: points added to the score out of 100.
TEMPLATES: dict[str, dict[str, str]] = {
    "use_cases": {
        "en": "{n} shared use case{s}: {items}",
        "fr": "{n} cas d'usage en commun : {items}",
    },
    "text": {
        "en": "Similar descriptions (+{points} points)",
        "fr": "Descriptions proches (+{points} points)",
    },
    "sector": {"en": "Sector served: {items}", "fr": "Secteur couvert : {items}"},
    "size": {
        "en": "Works with companies of this size: {items}",
        "fr": "Travaille avec des entreprises de cette taille : {items}",
    },
    "region": {"en": "Same region: {items}", "fr": "Même région : {items}"},
    "hosting": {
        "en": "Hosting wish{es} met: {items}",
        "fr": "Hébergement{s} souhaité{s} proposé{s} : {items}",
    },
    "language": {"en": "Common language: {items}", "fr": "Langue commune : {items}"},
    "no_common_language": {"en": "No common language", "fr": "Aucune langue commune"},
    "no_use_cases": {
        "en": "No use cases given: score from the description and profile",
        "fr": "Aucun cas d'usage indiqué : score fondé sur la description et le profil",
    },
    "no_needs": {
        "en": "No use cases and no description given: score from sector, size, region "
        "and hosting only",
        "fr": "Ni cas d'usage ni description indiqués : score fondé sur le secteur, la taille, "
        "la région et l'hébergement",
    },
    "provider_no_use_cases": {
        "en": "The provider lists no use cases yet",
        "fr": "Le prestataire n'indique encore aucun cas d'usage",
    },
}


def _label(code: str, reason: Reason, locale: str, labels: Mapping[str, str]) -> str:
    if code in labels:
        return labels[code]
    if reason.code == "language":
        return LANGUAGE_NAMES[locale].get(code, code)
    return code


def _listing(reason: Reason, locale: str, labels: Mapping[str, str]) -> str:
    names = [_label(code, reason, locale, labels) for code in reason.items[:MAX_LISTED]]
    if len(reason.items) > MAX_LISTED:
        names.append("…")
    return ", ".join(names)


def describe(reason: Reason, locale: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """One sentence for `reason` in `locale` ("en" or "fr"), with codes shown via `labels`."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}, expected one of {LOCALES}")
    template = TEMPLATES.get(reason.code, {}).get(locale)
    if template is None:
        return reason.code
    n = len(reason.items)
    text = template.format(
        n=n,
        s="" if n == 1 else "s",
        es="" if n == 1 else "es",
        items=_listing(reason, locale, labels or {}),
        points=round(100 * reason.value),
    )
    lost = round(-100 * reason.value)
    if lost > 0:
        text += PENALTY_SUFFIX[locale].format(lost=lost)
    return text
