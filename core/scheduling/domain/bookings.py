"""Bookings, walk-ins and visit outcomes: statuses and the rules between them.

Statuses are FHIR Appointment codes; HL7 Finland's scheduling guide maps the
national ones onto them (Varattu -> booked, Peruttu -> cancelled,
Saapumatta -> noshow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sotesilta.core.kernel.errors import BookingStateInvalid, InputInvalid


class AppointmentStatus(StrEnum):
    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"
    CHECKED_IN = "checked-in"
    WAITLIST = "waitlist"


#: statuses in which a booking occupies its slot (the database enforces one)
SLOT_HOLDING_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.FULFILLED,
    AppointmentStatus.NOSHOW,
)


class CancelledBy(StrEnum):
    CLIENT = "client"
    REFERRER = "referrer"
    INSTRUCTOR = "instructor"
    SYSTEM = "system"


class Referrer(StrEnum):
    """Who reported the service need (Kanta: "Palvelutarpeen ilmoittaja")."""

    STAFF = "staff"
    SELF = "self"


class ClientRelationship(StrEnum):
    """Does the client already have a social-care client relationship?"""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class VisitOutcome(StrEnum):
    REALISED = "realised"
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"


class ReferralMode(StrEnum):
    CONCRETE = "concrete"  # done for the client, e.g. booked a time for them
    ADVISED = "advised"


class WalkInStatus(StrEnum):
    FREE = "free"
    WAITING = "waiting"
    CALLED = "called"
    LEFT = "left"


OUTCOME_STATUS = {
    VisitOutcome.REALISED: AppointmentStatus.FULFILLED,
    VisitOutcome.NO_SHOW: AppointmentStatus.NOSHOW,
    VisitOutcome.LATE_CANCELLATION: AppointmentStatus.CANCELLED,
}

LATE_CANCELLATION = timedelta(hours=24)


def is_late_cancellation(
    cancelled_at: datetime, starts_at: datetime, notice: timedelta = LATE_CANCELLATION
) -> bool:
    return starts_at - cancelled_at < notice


def ensure_cancellable(status: AppointmentStatus) -> None:
    if status is not AppointmentStatus.BOOKED:
        raise BookingStateInvalid(f"a booking that is {status.value} cannot be cancelled or moved")


@dataclass(frozen=True)
class ClientDetails:
    """What the booking keeps of the client: sealed at rest, never in feeds or logs."""

    name: str
    phone: str | None
    age: int

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InputInvalid("client name must be 1-200 characters", field="client.name")
        if not 0 <= self.age <= 130:
            raise InputInvalid("client age must be 0-130", field="client.age")


@dataclass(frozen=True)
class BookingDraft:
    """What a municipality's rules see of a booking about to be made.

    Deliberately without the client's name or phone: rules decide on facts,
    not on identities.
    """

    municipality: str
    station_key: str
    starts_at: datetime
    mode: str
    client_age: int
    reasons: tuple[str, ...]
    preferred_language: str
    interpreter_needed: bool
