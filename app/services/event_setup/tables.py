"""The event's meeting tables: numbering, labels, zones, and when one may be deleted."""

from __future__ import annotations

import math

import sqlalchemy as sa

from app.models import Event, Meeting, MeetingTable, Registration, User, db
from app.services.event_setup.common import SetupError, require_organiser
from app.services.registrations import ACTIVE


def table_refusal(table: MeetingTable) -> SetupError | None:
    """Why a table cannot be deleted (home table, or used by meetings), or None."""
    homes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.home_table_id == table.id, Registration.status.in_(ACTIVE))
    )
    if homes:
        return SetupError("table-home", label=table.label, num=homes)
    meetings = db.session.scalar(
        sa.select(sa.func.count()).select_from(Meeting).where(Meeting.table_id == table.id)
    )
    if meetings:
        return SetupError("table-meetings", label=table.label, num=meetings)
    return None


def _table_zones(count: int, zones: list[str]) -> list[str]:
    """Consecutive tables share a zone: 10 tables in 2 zones are 5 + 5."""
    if not zones:
        return [""] * count
    size = max(1, math.ceil(count / len(zones)))
    return [zones[min(i // size, len(zones) - 1)] for i in range(count)]


def set_tables(*, event: Event, count: int, pattern: str, zones: list[str], actor: User) -> None:
    """Number the tables 1..count with a label pattern such as "T{n}" and spread the zones."""
    require_organiser(event, actor)
    if count < 0:
        raise SetupError("table-count", field="count")
    if "{n}" not in pattern:
        raise SetupError("table-pattern", field="pattern")
    tables = sorted(event.tables, key=lambda t: (t.position, t.id))
    for table in tables[count:]:
        if (refusal := table_refusal(table)) is not None:
            refusal.field = "count"
            raise refusal
    for table in tables[count:]:
        event.tables.remove(table)
    kept = tables[:count]
    for table in kept:  # temporary labels: the new ones may swap with the old ones
        table.label = f"~{table.id}"
    db.session.flush()
    labels, zone_list = (
        [pattern.replace("{n}", str(n)) for n in range(1, count + 1)],
        _table_zones(count, zones),
    )
    if any(len(label) > 40 for label in labels):
        raise SetupError("table-pattern", field="pattern")
    for n in range(count):
        if n < len(kept):
            table = kept[n]
        else:
            table = MeetingTable(event=event)
            db.session.add(table)
        table.label, table.zone, table.position = labels[n], zone_list[n], n + 1
    db.session.flush()


def update_table(*, table: MeetingTable, label: str, zone: str, actor: User) -> MeetingTable:
    require_organiser(table.event, actor)
    label = label.strip()
    if not label:
        raise SetupError("table-label", field="label")
    if any(t is not table and t.label == label for t in table.event.tables):
        raise SetupError("table-label-taken", field="label", label=label)
    table.label, table.zone = label, zone.strip()
    db.session.flush()
    return table


def delete_table(*, table: MeetingTable, actor: User) -> None:
    require_organiser(table.event, actor)
    if (refusal := table_refusal(table)) is not None:
        raise refusal
    table.event.tables.remove(table)
    db.session.flush()
