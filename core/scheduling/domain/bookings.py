"""Bookings, walk-ins and visit outcomes: statuses and the rules between them, and the
rules a booking must pass before it is made (unit-tested without a database).

Statuses are FHIR Appointment codes; HL7 Finland's scheduling guide maps the
national ones onto them (Varattu -> booked, Peruttu -> cancelled,
Saapumatta -> noshow).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sotesilta.core.clients.domain import normalise_phone
from sotesilta.core.kernel.errors import (
    AgeNotEligible,
    BookingModeNotAllowed,
    BookingStateInvalid,
    BookingVetoed,
    CodeUnknown,
    HoldExpired,
    InputInvalid,
    RecordNotFound,
    SlotHeld,
    SlotUnavailable,
)
from sotesilta.core.messages.domain import after_quiet_hours
from sotesilta.core.organisations.domain import BookingMode, MunicipalityProfile
from sotesilta.core.scheduling.domain.sessions import SessionStatus


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
    """A walk-in place: free, then waiting, called, and seen once its outcome is recorded.
    A called client who does not answer goes back to waiting."""

    FREE = "free"
    WAITING = "waiting"
    CALLED = "called"
    SEEN = "seen"
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
    #: for messages about the appointment, when the client chose e-mail
    email: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InputInvalid("client name must be 1-200 characters", field="client.name")
        if not 0 <= self.age <= 130:
            raise InputInvalid("client age must be 0-130", field="client.age")
        if self.email is not None and not _EMAIL.match(self.email):
            raise InputInvalid("give an e-mail address such as name@example.fi", field="client.email")


class MessageChannel(StrEnum):
    """How the client agreed, at booking, to get messages about the appointment."""

    SMS = "sms"
    EMAIL = "email"


#: an address a mail server will take: one @, a dot in the domain, no spaces (at most 254)
_EMAIL = re.compile(r"^(?=.{3,254}$)[^@\s]+@[^@\s]+\.[^@\s]+$")


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


NOTE_MAX = 1000
IDEMPOTENCY_KEY_MAX = 100
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class BookingRequest:
    """What the booker asks for: a slot, the client in front of her, why, and how."""

    slot_id: int
    client: ClientDetails
    reasons: tuple[str, ...]
    preferred_language: str = "fi"
    interpreter_needed: bool = False
    note: str | None = None
    existing_relationship: ClientRelationship = ClientRelationship.UNKNOWN
    referrer: Referrer = Referrer.STAFF
    hold_id: str | None = None
    client_id: int | None = None  # a registered client record, when there is one
    #: the client agreed to messages about the appointment, by this channel (None: no messages)
    messages: MessageChannel | None = None

    def digest(self) -> str:
        """A fingerprint of what was asked, to recognise an honest retry."""
        # the fields spelt out (what dataclasses.asdict gives, at a fraction of
        # its cost); the hold is left out: a retry may come under a new one
        client = self.client
        payload = {
            "slot_id": self.slot_id,
            "client": {"name": client.name, "phone": client.phone, "age": client.age},
            "reasons": self.reasons,
            "preferred_language": self.preferred_language,
            "interpreter_needed": self.interpreter_needed,
            "note": self.note,
            "existing_relationship": self.existing_relationship,
            "referrer": self.referrer,
            "hold_id": None,
            "client_id": self.client_id,
        }
        # only when given: a request without them keeps the digest it always had
        if self.messages is not None:
            payload["messages"] = self.messages.value
        if client.email is not None:
            payload["client_email"] = client.email
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class SlotHoldFacts:
    hold_id: str
    user_id: int
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


@dataclass(frozen=True)
class SlotFacts:
    """What a booking reads of its slot, session, station and any hold (one query)."""

    slot_id: int
    municipality: str
    station_key: str
    station_name: str
    booking_mode: BookingMode
    starts_at: datetime
    mode: str
    session_status: str
    worker_busy: bool
    hold: SlotHoldFacts | None = None


@dataclass(frozen=True)
class CheckedBooking:
    """A booking the rules let through: the draft the plugins see, and the client's
    details as they will be kept (the name trimmed, the phone normalised)."""

    draft: BookingDraft
    client: ClientDetails


def check_idempotency_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        raise InputInvalid(
            f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} characters", field="Idempotency-Key"
        )


def ensure_bookable(
    slot_id: int,
    now: datetime,
    *,
    municipalities: frozenset[str],
    municipality: str | None,
    starts_at: datetime | None,
    session_status: str | None,
    worker_busy: bool = False,
) -> None:
    """Why a slot cannot be booked (or held) by someone of ``municipalities``, if it
    cannot: not found for them (another municipality's is "not found" too), in the
    past, on a cancelled session, or its instructor busy then."""
    if municipality is None or starts_at is None or municipality not in municipalities:
        raise RecordNotFound(f"no slot {slot_id}", slot_id=slot_id)
    if starts_at <= now:
        raise SlotUnavailable(f"slot {slot_id} is in the past", field="slot_id", slot_id=slot_id)
    if session_status != SessionStatus.SCHEDULED.value:
        raise SlotUnavailable(
            f"slot {slot_id} belongs to a cancelled session", field="slot_id", slot_id=slot_id
        )
    if worker_busy:
        raise SlotUnavailable(
            f"slot {slot_id}: the instructor is busy then (their calendar)", field="slot_id", slot_id=slot_id
        )


def check_request(request: BookingRequest, known_reasons: frozenset[str]) -> None:
    """The request's own fields: reasons from the municipality's list, a language, a note's length."""
    if not request.reasons:
        raise InputInvalid("choose at least one reason", field="reasons")
    unknown = sorted(set(request.reasons) - known_reasons)
    if unknown:
        raise CodeUnknown(f"unknown reason code(s): {', '.join(unknown)}", field="reasons")
    if request.preferred_language not in LANGUAGES:
        raise InputInvalid("preferred language must be fi, sv or en", field="preferred_language")
    if request.note is not None and len(request.note) > NOTE_MAX:
        raise InputInvalid(f"the note may have at most {NOTE_MAX} characters", field="note")
    check_message_consent(request.messages, request.client)


def reminder_due(starts_at: datetime, hours: int, now: datetime) -> datetime | None:
    """When a client is reminded of a time ``hours`` before it, moved out of the night; ``None``
    when that moment has passed (booked at short notice: the confirmation says it all) or the
    night would push it to the time itself."""
    due = starts_at - timedelta(hours=hours)
    if due <= now or after_quiet_hours(due) >= starts_at:
        return None
    return due


def check_message_consent(channel: MessageChannel | None, client: ClientDetails) -> None:
    """Messages go only where the client agreed, and there must be somewhere to send them."""
    if channel is MessageChannel.SMS and not client.phone:
        raise InputInvalid("messages by SMS need the client's phone number", field="client.phone")
    if channel is MessageChannel.EMAIL and not client.email:
        raise InputInvalid("messages by e-mail need the client's e-mail address", field="client.email")


def ensure_client_of(client_id: int | None, owner: str | None, county: str | None) -> None:
    """A registered client record named in a booking must be the slot's county's: the county
    keeps one record per person, wherever in it they live and are received."""
    if client_id is not None and (owner is None or owner != county):
        raise RecordNotFound(f"no client {client_id} in county {county}", field="client_id")


def ensure_takes_bookings(booking_mode: BookingMode, station_name: str) -> None:
    if booking_mode is BookingMode.WALK_IN:
        raise BookingModeNotAllowed(f"{station_name} takes walk-ins only", field="slot_id")


def ensure_age_eligible(profile: MunicipalityProfile | None, age: int) -> None:
    """The municipality's age group (each sets its own); an unregistered one has none."""
    if profile is not None and not profile.accepts_age(age):
        groups = ", ".join(f"{g.minimum}-{g.maximum}" for g in profile.age_groups)
        raise AgeNotEligible(f"{profile.name_fi} serves ages {groups}", field="client.age")


def check_booking(
    slot: SlotFacts | None,
    request: BookingRequest,
    *,
    slot_id: int,
    now: datetime,
    municipalities: frozenset[str],
    known_reasons: frozenset[str],
    profile: MunicipalityProfile | None,
    client_owner: str | None,
) -> CheckedBooking:
    """Every rule a booking must pass before the municipality's plugins are asked, in the
    order a refusal is reported: the slot, the request, the client record, the station's
    booking mode, the age group."""
    ensure_bookable(
        slot_id,
        now,
        municipalities=municipalities,
        municipality=slot.municipality if slot else None,
        starts_at=slot.starts_at if slot else None,
        session_status=slot.session_status if slot else None,
        worker_busy=slot.worker_busy if slot else False,
    )
    assert slot is not None  # ensure_bookable refused a missing slot
    check_request(request, known_reasons)
    ensure_client_of(request.client_id, client_owner, profile.county.code if profile else None)
    client = client_details(request)
    ensure_takes_bookings(slot.booking_mode, slot.station_name)
    ensure_age_eligible(profile, request.client.age)
    draft = BookingDraft(
        municipality=slot.municipality,
        station_key=slot.station_key,
        starts_at=slot.starts_at,
        mode=slot.mode,
        client_age=request.client.age,
        reasons=tuple(request.reasons),
        preferred_language=request.preferred_language,
        interpreter_needed=request.interpreter_needed,
    )
    return CheckedBooking(draft, client)


def client_details(request: BookingRequest) -> ClientDetails:
    """The client's details as they are stored: the name trimmed, the phone number normalised
    (a number that is not one is refused), the e-mail address trimmed."""
    phone = normalise_phone(request.client.phone) if request.client.phone else None
    email = request.client.email.strip() if request.client.email else None
    return ClientDetails(name=request.client.name.strip(), phone=phone, age=request.client.age, email=email)


def ensure_not_vetoed(vetoes: list[str]) -> None:
    """A municipality plugin's refusal, in its own words."""
    if vetoes:
        raise BookingVetoed("; ".join(vetoes))


def check_hold(
    hold: SlotHoldFacts | None, requested: str | None, *, slot_id: int, user_id: int, now: datetime
) -> None:
    """The booker's own live hold lets her book; someone else's live hold stops her; a hold
    she names must still be live and on this slot."""
    live = hold is not None and hold.live(now)
    if requested is not None and (not live or hold is None or hold.hold_id != requested):
        raise HoldExpired(f"hold {requested} has expired or is not for slot {slot_id}", field="hold_id")
    if live and hold is not None and hold.user_id != user_id:
        raise SlotHeld(f"slot {slot_id} is held by someone else for a few minutes", slot_id=slot_id)
