"""What every part of event set-up shares: the refusal type and the access checks."""

from __future__ import annotations

from app.models import Event, User
from app.models.enums import ScheduleStatus
from app.services import ServiceError
from app.services.registrations import is_organiser

LIVE_SCHEDULES = (ScheduleStatus.DRAFT, ScheduleStatus.PUBLISHED)


class SetupError(ServiceError):
    """A refused set-up operation: `code` names the rule, `field` the form field it concerns."""

    def __init__(self, code: str, *, field: str | None = None, **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


def require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_admin):
        raise SetupError("forbidden")


def require_organiser(event: Event, actor: User) -> None:
    if not is_organiser(event, actor):
        raise SetupError("forbidden")
