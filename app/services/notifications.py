"""Notifications: stored for the in-app list, e-mailed at once or in a daily digest.

`notify` only adds rows (call it before the commit); `deliver_pending` sends the e-mails of
users who want them at once (call it after the commit); `send_digests` is run daily by
`flask send-digests`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from app.mail import send_email
from app.models import Notification, Organisation, User, db
from app.models.base import utcnow

KINDS = (
    "request_received",
    "request_accepted",
    "request_declined",
    "request_expired",
    "request_mutual",
    # On the day (app/services/onsite.py, app/services/rebooking.py)
    "onsite_absence",
    "onsite_restored",
    "onsite_walk_in",
    "onsite_offer",
    "onsite_offer_declined",
    "onsite_offer_expired",
    "onsite_offer_confirmed",
)


def notify(*, organisation: Organisation, kind: str, payload: dict) -> list[Notification]:
    """One notification for each member of the organisation."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    created = []
    for membership in organisation.memberships:
        item = Notification(user=membership.user, kind=kind, payload=payload)
        db.session.add(item)
        created.append(item)
    db.session.flush()
    return created


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(*, user: User, now: datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def deliver_pending(items: list[Notification]) -> None:
    """Push the new notifications live, and e-mail users who want them at once (after commit)."""
    from app import realtime

    realtime.notifications_changed({item.user_id for item in items})
    for item in items:
        if item.emailed_at is None and not item.user.daily_digest:
            send_email(
                to=item.user.email,
                template=f"notify_{item.kind}",
                locale=item.user.locale,
                user=item.user,
                p=item.payload,
            )
            item.emailed_at = utcnow()
    db.session.commit()


def send_digests(*, now: datetime) -> int:
    """One e-mail per digest user with everything not yet e-mailed; returns e-mails sent."""
    pending = db.session.scalars(
        sa.select(Notification)
        .join(User)
        .where(Notification.emailed_at.is_(None), User.daily_digest.is_(True))
        .order_by(Notification.created_at)
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for item in pending:
        by_user[item.user_id].append(item)
    for items in by_user.values():
        user = items[0].user
        send_email(to=user.email, template="digest", locale=user.locale, user=user, items=items)
        for item in items:
            item.emailed_at = now
    db.session.commit()
    return len(by_user)
