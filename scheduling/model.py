"""Frozen dataclasses of the scheduling engine: problem in, solution out."""

from __future__ import annotations

from dataclasses import dataclass, field

PROBLEM_FORMAT = "schedule-problem/1"
SOLUTION_FORMAT = "schedule-solution/1"
STATUSES = ("optimal", "feasible", "infeasible", "unknown")


class ProblemError(ValueError):
    """Malformed problem or solution document; the message names the offending path."""


@dataclass(frozen=True)
class Slot:
    """A time slot; `session` groups consecutive slots (idle time between sessions is free)."""

    id: str
    session: str = "main"
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Table:
    """A physical table where one meeting takes place per slot."""

    id: str
    zone: str | None = None


@dataclass(frozen=True)
class Participant:
    """A company or provider taking part in meetings."""

    id: str
    kind: str | None = None
    capacity: int = 1
    max_meetings: int | None = None
    unavailable: tuple[str, ...] = ()
    home_table: str | None = None


@dataclass(frozen=True)
class Request:
    """A candidate one-to-one meeting between participants `a` and `b`."""

    id: str
    a: str
    b: str
    weight: int = 1
    required: bool = False
    slots: tuple[str, ...] | None = None
    fixed_slot: str | None = None
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Objective:
    """Optional hard bound on the difference between participants' break counts."""

    max_break_difference: int | None = None


@dataclass(frozen=True)
class Assignment:
    """One scheduled meeting: a request in a slot, at a table when tables are listed."""

    request: str
    slot: str
    table: str | None = None


@dataclass(frozen=True)
class Problem:
    """A whole scheduling problem (see docs/scheduling.md)."""

    slots: tuple[Slot, ...]
    participants: tuple[Participant, ...]
    requests: tuple[Request, ...]
    tables: int | tuple[Table, ...] = 0
    name: str | None = None
    objective: Objective = field(default_factory=Objective)
    previous: tuple[Assignment, ...] = ()

    @property
    def table_count(self) -> int:
        """Most meetings that can run in one slot."""
        return self.tables if isinstance(self.tables, int) else len(self.tables)

    @property
    def has_table_list(self) -> bool:
        """True when tables have identities and meetings get a concrete table."""
        return not isinstance(self.tables, int)


@dataclass(frozen=True)
class Unscheduled:
    """A request left out of the schedule, with a human reason."""

    request: str
    reason: str


@dataclass(frozen=True)
class Stats:
    """Figures of a solution, recomputed from its meetings."""

    weight: int = 0
    meetings: int = 0
    breaks: int = 0
    upper_bound_weight: int | None = None
    participants_without_meeting: int = 0
    changed_from_previous: int = 0
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Solution:
    """Result of a solve: status, meetings, unscheduled requests with reasons, stats."""

    status: str
    meetings: tuple[Assignment, ...] = ()
    unscheduled: tuple[Unscheduled, ...] = ()
    stats: Stats = field(default_factory=Stats)
    diagnostics: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgressInfo:
    """Passed to `on_progress` on each improving solution."""

    elapsed_s: float
    objective: float
    bound: float
    meetings: int
    phase: str = ""
