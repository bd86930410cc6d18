"""How long absences and the rebooking re-optimisation take on the demo event.

    .venv/bin/python benchmarks/onsite_rebooking.py [--budget 3] [--absent 5]

Builds the demo event (160 participants) in a scratch SQLite file, schedules and publishes it
with the optimiser (20 s), marks providers absent during the third slot, then runs the
rebooking with the given time budget. Prints the figures reported in docs/on-site.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=3.0, help="rebooking budget (s)")
    parser.add_argument("--absent", type=int, default=5, help="providers marked absent")
    args = parser.parse_args()

    import scheduling
    from app import create_app
    from app.models import ScheduleRun, User, db
    from app.models.enums import RegistrationRole, RunStatus, ScheduleStatus
    from app.services.demo import create_demo
    from app.services.onsite import mark_absent
    from app.services.optimiser import build_problem, store_draft
    from app.services.rebooking import propose_offers
    from app.services.taxonomy import load_taxonomy

    folder = Path(tempfile.mkdtemp(prefix="rdvia-onsite-"))
    env = {"APP_ENV": "testing", "SECRET_KEY": "benchmark-secret-key-0000000000000000"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}"}, env=env)
    with app.app_context():
        db.create_all()
        load_taxonomy()
        event = create_demo(today=date.today()).event
        organiser = User(email="orga@example.fr", name="Orga", is_admin=True)
        organiser.set_password("benchmark password")
        db.session.add(organiser)
        built = build_problem(event)
        solution = scheduling.solve(built.problem, time_limit_s=20, workers=2)
        run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
        db.session.add(run)
        db.session.flush()
        schedule = store_draft(run=run, built=built, solution=solution)
        schedule.status = ScheduleStatus.PUBLISHED
        db.session.commit()
        now = event.slots[2].starts_at + timedelta(minutes=1)
        providers = [r for r in event.registrations if r.role is RegistrationRole.PROVIDER]
        started = time.monotonic()
        cancelled = sum(
            len(mark_absent(registration=p, actor=organiser, now=now).cancelled)
            for p in providers[: args.absent]
        )
        db.session.commit()
        absences_s = time.monotonic() - started
        started = time.monotonic()
        change = propose_offers(event=event, actor=organiser, now=now, time_limit_s=args.budget)
        db.session.commit()
        rebooking_s = time.monotonic() - started
        print(
            f"participants={len(event.registrations)} slots={len(event.slots)} "
            f"meetings={len(schedule.meetings)}"
        )
        print(f"{args.absent} absences: {cancelled} meetings cancelled in {absences_s:.2f} s")
        print(
            f"rebooking (budget {args.budget} s): {len(change.offers)} offers in {rebooking_s:.2f} s"
        )


if __name__ == "__main__":
    main()
