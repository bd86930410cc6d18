"""Load the reference data file (`app/data/taxonomy.json`) into the database, idempotently."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from app.models import (
    BusinessFunction,
    CompanySize,
    HostingOption,
    Region,
    Sector,
    Technology,
    UseCase,
    db,
)

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"

_SIMPLE = {
    "sizes": CompanySize,
    "sectors": Sector,
    "regions": Region,
    "technologies": Technology,
    "hosting": HostingOption,
    "functions": BusinessFunction,
}


def _upsert(model, *, code: str, label_fr: str, label_en: str, position: int, **extra) -> bool:
    """Insert or update one reference row; return True if anything changed."""
    row = db.session.get(model, code)
    values = {"label_fr": label_fr, "label_en": label_en, "position": position, **extra}
    if row is None:
        db.session.add(model(code=code, **values))
        return True
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def load_taxonomy(*, path: Path = TAXONOMY_FILE) -> dict[str, int]:
    """Insert or update every reference item of the file; return changes per kind.

    Items are never deleted (organisations may refer to them); codes are stable.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    changes: dict[str, int] = {}
    for key, model in _SIMPLE.items():
        changes[key] = sum(
            _upsert(model, code=i["code"], label_fr=i["fr"], label_en=i["en"], position=n)
            for n, i in enumerate(data[key])
        )
    db.session.flush()
    changes["use_cases"] = sum(
        _upsert(
            UseCase,
            code=u["code"],
            label_fr=u["fr"],
            label_en=u["en"],
            position=n,
            function_code=f["code"],
        )
        for f in data["functions"]
        for n, u in enumerate(f["use_cases"])
    )
    db.session.flush()
    return changes


def taxonomy_loaded() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Sector)) > 0


def reference_choices(locale: str) -> dict[str, list[tuple[str, str]]]:
    """(code, label) choices for forms and filters, in the given language."""

    def items(model):
        rows = db.session.scalars(sa.select(model).order_by(model.position))
        return [(r.code, r.label(locale)) for r in rows]

    use_cases = [
        (u.code, f"{f.label(locale)} — {u.label(locale)}")
        for f in db.session.scalars(sa.select(BusinessFunction).order_by(BusinessFunction.position))
        for u in f.use_cases
    ]
    return {
        "sizes": items(CompanySize),
        "sectors": items(Sector),
        "regions": sorted(items(Region), key=lambda item: item[1]),
        "hosting": items(HostingOption),
        "technologies": items(Technology),
        "use_cases": use_cases,
    }


def by_codes(model, codes: list[str]) -> list:
    """Reference rows for the given codes (unknown codes are ignored)."""
    if not codes:
        return []
    return list(db.session.scalars(sa.select(model).where(model.code.in_(codes))))
