"""Enumerations of the data model; values are stored as strings."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    COMPANY = "company"  # a company looking for AI
    PROVIDER = "provider"  # an AI solution provider


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Maturity(StrEnum):
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    PRODUCTION = "production"


class PriceRange(StrEnum):
    UNDER_5K = "under_5k"
    FROM_5K_TO_20K = "5k_20k"
    FROM_20K_TO_100K = "20k_100k"
    OVER_100K = "over_100k"
    ON_QUOTE = "on_quote"


class EventStatus(StrEnum):
    DRAFT = "draft"
    REGISTRATION_OPEN = "registration_open"
    MATCHMAKING = "matchmaking"
    SCHEDULING = "scheduling"
    PUBLISHED = "published"
    LIVE = "live"
    CLOSED = "closed"


class EventFormat(StrEnum):
    HOME_TABLES = "home_tables"  # hosts (providers) stay at their own table
    FREE_TABLES = "free_tables"  # any meeting at any free table


class ApprovalMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class RegistrationRole(StrEnum):
    SEEKER = "seeker"
    PROVIDER = "provider"


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RequestPriority(StrEnum):
    MUST_MEET = "must_meet"
    WOULD_LIKE = "would_like"
    IF_TIME = "if_time"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class RequestOrigin(StrEnum):
    PARTICIPANT = "participant"
    ORGANISER = "organiser"  # added or proposed by an organiser


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ScheduleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # an earlier published version, kept for history


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


class FeedbackOutcome(StrEnum):
    NONE = "none"
    FOLLOW_UP = "follow_up"
    QUOTE = "quote"
    PILOT = "pilot"
    CONTRACT = "contract"
