"""Synthetic Business Day instances: seekers meet providers, 16 slots in two sessions."""

from __future__ import annotations

import math
import random

from .model import Objective, Participant, Problem, Request, Slot, Table

SLOTS_PER_SESSION = 8


def generate(participants: int, *, seed: int = 0, requests_per_participant: float = 5.0) -> Problem:
    """A reproducible synthetic event of about `participants` participants.

    A third are providers with a skewed popularity (a few very popular ones), the rest
    seekers; about `requests_per_participant` x participants requests; 20 % of participants
    attend one session only and 10 % miss a random slot; 15 % of providers have capacity 2
    (two people, no home table), the others host at their home table; weights 1-3.
    """
    rng = random.Random(seed)
    n_prov = max(2, participants // 3)
    n_seek = max(1, participants - n_prov)
    slots = _slots()
    providers = [_provider(i, rng, slots) for i in range(n_prov)]
    seekers = [_seeker(i, rng, slots) for i in range(n_seek)]
    tables = _tables(providers)
    providers = [
        _with_home(p, f"T{i + 1}") if p.capacity == 1 else p for i, p in enumerate(providers)
    ]
    requests = _requests(rng, seekers, providers, requests_per_participant * participants)
    return Problem(
        slots=slots,
        participants=tuple(seekers + providers),
        requests=tuple(requests),
        tables=tables,
        name=f"synthetic-{participants}-seed{seed}",
        objective=Objective(None),
    )


def _slots() -> tuple[Slot, ...]:
    result = []
    for session, first_hour in (("morning", 9), ("afternoon", 14)):
        for i in range(SLOTS_PER_SESSION):
            minutes = first_hour * 60 + 20 * i
            start = f"2026-02-12T{minutes // 60:02d}:{minutes % 60:02d}:00+01:00"
            end_m = minutes + 20
            end = f"2026-02-12T{end_m // 60:02d}:{end_m % 60:02d}:00+01:00"
            result.append(Slot(f"{session[0]}{i + 1}", session, start, end))
    return tuple(result)


def _unavailable(rng: random.Random, slots: tuple[Slot, ...]) -> tuple[str, ...]:
    roll = rng.random()
    if roll < 0.2:
        session = rng.choice(("morning", "afternoon"))
        return tuple(s.id for s in slots if s.session == session)
    if roll < 0.3:
        return (rng.choice(slots).id,)
    return ()


def _provider(i: int, rng: random.Random, slots) -> Participant:
    capacity = 2 if rng.random() < 0.15 else 1
    return Participant(f"P{i + 1}", "provider", capacity, None, _unavailable(rng, slots))


def _seeker(i: int, rng: random.Random, slots) -> Participant:
    return Participant(f"S{i + 1}", "seeker", 1, 8, _unavailable(rng, slots))


def _with_home(p: Participant, table: str) -> Participant:
    return Participant(p.id, p.kind, p.capacity, p.max_meetings, p.unavailable, table)


def _tables(providers: list[Participant]) -> tuple[Table, ...]:
    """One home table per capacity-1 provider plus a floating pool for the others."""
    homes = sum(1 for p in providers if p.capacity == 1)
    pool = math.ceil(1.1 * sum(p.capacity for p in providers if p.capacity > 1)) + 2
    return tuple(Table(f"T{i + 1}", "A" if i < homes else "B") for i in range(homes + pool))


def _requests(rng: random.Random, seekers, providers, total: float) -> list[Request]:
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(len(providers))]
    per_seeker = total / len(seekers)
    requests: list[Request] = []
    for seeker in seekers:
        k = max(1, min(len(providers), round(rng.gauss(per_seeker, per_seeker / 4))))
        chosen: list[Participant] = []
        while len(chosen) < k:
            p = rng.choices(providers, popularity)[0]
            if p not in chosen:
                chosen.append(p)
        for rank, provider in enumerate(chosen):
            weight = 3 if rank < 2 else (2 if rank < 5 else 1)
            requests.append(Request(f"r{len(requests) + 1}", seeker.id, provider.id, weight))
    return requests
