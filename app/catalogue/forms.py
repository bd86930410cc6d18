"""Catalogue search form: GET parameters read leniently (bad values are ignored, never an error)."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.services.catalogue import (
    FILTER_NAMES,
    MAX_PAGE,
    MAX_QUERY_LENGTH,
    CatalogueFilters,
    clean_filters,
)

MAX_VALUES_PER_FILTER = 100


@dataclass(frozen=True)
class CatalogueQuery:
    q: str
    filters: CatalogueFilters
    page: int

    def url_args(self, **changes) -> dict[str, object]:
        """Query-string arguments that reproduce this search (for links), with `changes`."""
        args: dict[str, object] = {name: list(getattr(self.filters, name)) for name in FILTER_NAMES}
        if self.q:
            args["q"] = self.q
        args.update(changes)
        return {k: v for k, v in args.items() if v not in ("", [], None)}

    def url_args_without(self, name: str, code: str) -> dict[str, object]:
        """Arguments of this search with one filter value removed (back to page 1)."""
        codes = [c for c in getattr(self.filters, name) if c != code]
        return self.url_args(**{name: codes})


def parse_page(value: str | None) -> int:
    """A page number from user input: 1 when missing or invalid, clamped to 1..MAX_PAGE."""
    try:
        page = int(value or 1)
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def read_catalogue_query(args: MultiDict, options: dict[str, list]) -> CatalogueQuery:
    """The search a visitor asked for; unknown codes are dropped, an over-long text cut."""
    q = " ".join(args.get("q", "", type=str)[:MAX_QUERY_LENGTH].split())
    chosen = {name: args.getlist(name)[:MAX_VALUES_PER_FILTER] for name in FILTER_NAMES}
    return CatalogueQuery(
        q=q, filters=clean_filters(chosen, options), page=parse_page(args.get("page"))
    )
