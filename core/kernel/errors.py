"""Domain errors. Each names its problem; the API maps ``kind`` to an HTTP status once."""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "unauthenticated", "forbidden", "not_found", "conflict", "gone", "throttled"]


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    kind: ClassVar[ErrorKind] = "invalid"
    #: stable slug used in the problem ``type`` URI; clients may switch on it
    code: ClassVar[str] = "invalid-input"
    title: ClassVar[str] = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InputInvalid(DomainError):
    kind = "invalid"
    code = "invalid-input"
    title = "Invalid input"


class NotGroupMember(InputInvalid):
    """Attendance given for a period that has no contact at the group's meeting."""


class AuthenticationFailed(DomainError):
    kind = "unauthenticated"
    code = "authentication-failed"
    title = "Authentication failed"


class AccessDenied(DomainError):
    kind = "forbidden"
    code = "access-denied"
    title = "Access denied"


class RecordNotFound(DomainError):
    kind = "not_found"
    code = "not-found"
    title = "Not found"


class RecordConflict(DomainError):
    kind = "conflict"
    code = "conflict"
    title = "Conflict"


class LoginThrottled(DomainError):
    kind = "throttled"
    code = "login-throttled"
    title = "Too many failed logins"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class MunicipalityDuplicate(DomainError):
    """Two plugins registered the same municipality code (a start-up error)."""

    kind = "conflict"
    code = "municipality-duplicate"
    title = "Municipality registered twice"


class SlotTaken(DomainError):
    kind = "conflict"
    code = "slot-taken"
    title = "Slot already booked"


class SlotHeld(DomainError):
    kind = "conflict"
    code = "slot-held"
    title = "Slot held by someone else"


class HoldExpired(DomainError):
    kind = "conflict"
    code = "hold-expired"
    title = "Hold expired or unknown"


class SlotUnavailable(DomainError):
    """In the past, on a cancelled session, or otherwise not bookable."""

    kind = "invalid"
    code = "slot-unavailable"
    title = "Slot not bookable"


class SessionOverlap(DomainError):
    kind = "conflict"
    code = "session-overlap"
    title = "Overlaps the worker's other sessions"


class AgeNotEligible(DomainError):
    kind = "invalid"
    code = "age-not-eligible"
    title = "Client's age is outside the municipality's age group"


class BookingModeNotAllowed(DomainError):
    kind = "invalid"
    code = "booking-mode-not-allowed"
    title = "The station does not offer this mode"


class BookingVetoed(DomainError):
    kind = "invalid"
    code = "booking-vetoed"
    title = "Refused by the municipality's rules"


class CodeUnknown(DomainError):
    kind = "invalid"
    code = "unknown-code"
    title = "Unknown code"


class WalkInFull(DomainError):
    kind = "conflict"
    code = "walk-in-full"
    title = "Walk-in capacity reached"


class WalkInClosed(DomainError):
    kind = "conflict"
    code = "walk-in-closed"
    title = "Walk-in is not open"


class BookingStateInvalid(DomainError):
    kind = "conflict"
    code = "booking-state"
    title = "Not possible in the booking's current state"


class NotStartedYet(BookingStateInvalid):
    """Only a cancellation can be recorded before a visit or contact has begun.

    Same problem code as its base: API clients see no change; pages word it apart."""


class AfterPeriodEnd(BookingStateInvalid):
    """A contact after its intensive period's last day stays cancelled (closing cancelled it)."""


class IdempotencyMismatch(DomainError):
    kind = "conflict"
    code = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"


class ConsentMissing(DomainError):
    """Naming a client needs an active consent of the right scope at the moment of use."""

    kind = "forbidden"
    code = "consent-missing"
    title = "No active consent covers this"


class AccessReasonRequired(DomainError):
    """No client relationship: opening the client's data needs a stated ``access_reason``.

    Raised alike whether or not the client exists, so the answer reveals nothing.
    """

    kind = "forbidden"
    code = "access-reason-required"
    title = "A stated reason is needed to open this client's data"


class StateConflict(DomainError):
    """Not possible in the record's current state (e.g. withdrawing a consent twice)."""

    kind = "conflict"
    code = "state-conflict"
    title = "Not possible in the current state"


class ServiceNotOffered(DomainError):
    kind = "invalid"
    code = "service-not-offered"
    title = "The municipality does not offer this service"


class PeriodActive(DomainError):
    """One active intensive period per client and service."""

    kind = "conflict"
    code = "period-active"
    title = "The client already has an active period of this service"


class ScheduleConflict(DomainError):
    """A planned contact overlaps a worker's other appointments."""

    kind = "conflict"
    code = "schedule-conflict"
    title = "Overlaps a worker's other appointments"


class FeedbackGiven(DomainError):
    """A feedback link is used once; a staff survey is answered once a year."""

    kind = "conflict"
    code = "feedback-given"
    title = "Feedback already given"


class FeedbackNotOpen(DomainError):
    """The client's form opens when the visit begins; a staff survey in its months."""

    kind = "conflict"
    code = "feedback-not-open"
    title = "Feedback is not open yet"


class FeedbackClosed(DomainError):
    """The link has expired, or the visit was cancelled or did not take place."""

    kind = "gone"
    code = "feedback-closed"
    title = "Feedback link no longer valid"


class SubmissionThrottled(DomainError):
    """Too many self-assessments from one address, or a county's queue of unreviewed
    contact requests is full (issue 23: a queue that cannot be flooded)."""

    kind = "throttled"
    code = "too-many-submissions"
    title = "Too many submissions"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds
