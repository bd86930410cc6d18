"""Frozen dataclasses of the matching engine: profiles in, matches out.

Codes (use cases, sectors, sizes, regions, languages, hosting) are plain strings from the
platform's taxonomy; this package never reads the taxonomy itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Organisation ids are database integers in the app; strings are accepted for tests and tools.
OrgId = int | str

DEFAULT_CAPACITY = 14


@dataclass(frozen=True)
class CompanyProfile:
    """What a company attending an event needs."""

    id: OrgId
    use_cases: frozenset[str] = frozenset()
    sector: str | None = None
    size: str | None = None
    region: str | None = None
    languages: frozenset[str] = frozenset({"fr"})
    hosting_wishes: frozenset[str] = frozenset()
    text: str = ""


@dataclass(frozen=True)
class ProviderProfile:
    """What an AI provider attending an event offers (union over its solutions)."""

    id: OrgId
    use_cases: frozenset[str] = frozenset()
    sectors_served: frozenset[str] = frozenset()
    sizes_served: frozenset[str] = frozenset()
    region: str | None = None
    languages: frozenset[str] = frozenset({"fr"})
    hosting: frozenset[str] = frozenset()
    text: str = ""
    # Meetings the provider can hold at the event, e.g. slots x representatives.
    capacity: int = DEFAULT_CAPACITY

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError(f"provider {self.id!r}: capacity must be >= 0, got {self.capacity}")


@dataclass(frozen=True, slots=True)
class Reason:
    """One explained component of a score: a code, its parameters and its weight in the score.

    `items` are taxonomy codes (or text terms for `text`), `value` the points the component
    added to the score (negative for a penalty, 0 for a purely informative reason).
    """

    code: str
    items: tuple[str, ...] = ()
    value: float = 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A scored company-provider pair with the reasons for its score."""

    company_id: OrgId
    provider_id: OrgId
    score: float
    reasons: tuple[Reason, ...] = field(default=())


def check_unique_ids(profiles: Iterable[CompanyProfile | ProviderProfile], kind: str) -> None:
    """Raise ValueError naming the ids that appear more than once among `profiles`."""
    seen: set[OrgId] = set()
    duplicates: list[OrgId] = []
    for profile in profiles:
        if profile.id in seen and profile.id not in duplicates:
            duplicates.append(profile.id)
        seen.add(profile.id)
    if duplicates:
        raise ValueError(f"duplicate {kind} ids: {', '.join(map(repr, duplicates))}")
