"""All models, importable from one place (Alembic and services import from here)."""

from app.models.api_token import ApiToken
from app.models.base import Base, db
from app.models.event import Announcement, Event, MeetingTable, Session, Slot
from app.models.matchmaking import MeetingRequest
from app.models.notification import Notification
from app.models.organisation import Organisation, Solution
from app.models.registration import Attendee, Registration
from app.models.schedule import (
    Feedback,
    Meeting,
    MeetingNote,
    RebookingOffer,
    Schedule,
    ScheduleRun,
)
from app.models.taxonomy import (
    BusinessFunction,
    CompanySize,
    HostingOption,
    Region,
    Sector,
    Technology,
    UseCase,
)
from app.models.user import Invitation, Membership, OrganiserInvitation, User

__all__ = [
    "Announcement",
    "ApiToken",
    "Attendee",
    "Base",
    "BusinessFunction",
    "CompanySize",
    "Event",
    "Feedback",
    "HostingOption",
    "Invitation",
    "Meeting",
    "MeetingNote",
    "MeetingRequest",
    "MeetingTable",
    "Membership",
    "Notification",
    "Organisation",
    "OrganiserInvitation",
    "RebookingOffer",
    "Region",
    "Registration",
    "Schedule",
    "ScheduleRun",
    "Sector",
    "Session",
    "Slot",
    "Solution",
    "Technology",
    "UseCase",
    "User",
    "db",
]
