"""The booking form: from posted fields to a ``BookingRequest``, and from a use
case's refusal to an error beside the field it concerns.

The rules themselves stay in the use case; this only translates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from litestar.datastructures import FormMultiDict

from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.scheduling.domain.bookings import (
    BookingRequest,
    ClientDetails,
    ClientRelationship,
    MessageChannel,
)
from sotesilta.core.scheduling.service.bookings import BookingView

RELATIONSHIPS = tuple(r.value for r in ClientRelationship)


@dataclass
class BookingForm:
    """What the nurse typed, kept to show again when something is refused."""

    slot_id: str = ""
    reasons: list[str] = field(default_factory=list)
    client_name: str = ""
    client_phone: str = ""
    client_email: str = ""
    #: "", "sms" or "email": the client agreed to messages about the appointment, by this channel
    messages: str = ""
    client_age: str = ""
    preferred_language: str = "fi"
    interpreter_needed: bool = False
    note: str = ""
    existing_relationship: str = ClientRelationship.UNKNOWN.value
    hold_id: str = ""
    idempotency_key: str = ""
    #: the booking being moved (or rebooked from the times to rebook), when there is one
    move_from: str = ""
    #: the day the times are searched from (blank: from now)
    search_from: str = ""
    #: the contact request the time is booked from (issue 23), marked booked with it
    contact_request: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> BookingForm:
        return cls(
            slot_id=text_field(form, "slot_id", 20),
            reasons=[str(r) for r in form.getall("reasons", [])][:20],
            client_name=text_field(form, "client_name", 400),
            client_phone=text_field(form, "client_phone", 40),
            client_email=text_field(form, "client_email", 254),
            messages=text_field(form, "messages", 10),
            client_age=text_field(form, "client_age", 10),
            preferred_language=text_field(form, "preferred_language", 2),
            interpreter_needed=form.get("interpreter_needed") == "yes",
            note=str(form.get("note") or "").strip()[:2000],
            existing_relationship=text_field(form, "existing_relationship", 10),
            hold_id=text_field(form, "hold_id", 36),
            idempotency_key=text_field(form, "idempotency_key", 100),
            move_from=text_field(form, "move_from", 20),
            search_from=text_field(form, "search_from", 10),
            contact_request=text_field(form, "contact_request", 10),
        )

    @classmethod
    def from_booking(cls, view: BookingView) -> BookingForm:
        """The form as the booking was made: moving it keeps all that was typed."""
        return cls(
            reasons=list(view.reasons),
            client_name=view.client.name,
            client_phone=view.client.phone or "",
            client_email=view.client.email or "",
            messages=view.messages.value if view.messages else "",
            client_age=str(view.client.age),
            preferred_language=view.preferred_language,
            interpreter_needed=view.interpreter_needed,
            note=view.note or "",
            existing_relationship=view.existing_relationship,
            idempotency_key=str(uuid.uuid4()),
            move_from=str(view.id),
        )

    def blanks(self) -> list[InputInvalid]:
        """Required fields left empty, all at once (the use case stops at the first problem)."""
        required = [
            (self.slot_id, "slot_id"),
            (self.reasons, "reasons"),
            (self.client_name, "client.name"),
            (self.client_age, "client.age"),
        ]
        return [InputInvalid(f"{name} is required", field=name) for value, name in required if not value]

    def to_request(self) -> BookingRequest:
        """The use case's input; a field that cannot even be read raises ``InputInvalid``."""
        if not self.slot_id.isdigit():
            raise InputInvalid("choose a time", field="slot_id")
        try:
            age = int(self.client_age)
        except ValueError:
            raise InputInvalid("client age must be 0-130", field="client.age") from None
        if self.existing_relationship not in RELATIONSHIPS:
            raise InputInvalid("choose yes, no or unknown", field="existing_relationship")
        if self.messages not in ("", *(c.value for c in MessageChannel)):
            raise InputInvalid("choose no messages, SMS or e-mail", field="messages")
        return BookingRequest(
            slot_id=int(self.slot_id),
            client=ClientDetails(
                name=self.client_name,
                phone=self.client_phone or None,
                age=age,
                email=self.client_email or None,
            ),
            messages=MessageChannel(self.messages) if self.messages else None,
            reasons=tuple(self.reasons),
            preferred_language=self.preferred_language,
            interpreter_needed=self.interpreter_needed,
            note=self.note or None,
            existing_relationship=ClientRelationship(self.existing_relationship),
            hold_id=self.hold_id or None,
        )


#: message for an input error, by the field the use case names
FIELD_MESSAGES = {
    "slot_id": N_("Choose a time."),
    "reasons": N_("Choose at least one reason."),
    "client.name": N_("Enter the client's name (at most 200 characters)."),
    "client.phone": N_("Enter the phone number with 6–15 digits, for example 040 123 4567."),
    "client.age": N_("Enter the client's age in years (0–130)."),
    "client.email": N_("Enter the e-mail address, for example name@example.fi."),
    "messages": N_("Choose whether the client agreed to messages, and how."),
    "preferred_language": N_("Choose the client's language."),
    "note": N_("The note may have at most 1000 characters."),
    "existing_relationship": N_("Answer whether the client already has a social-care client relationship."),
    "hold_id": N_("Your hold on the time expired. Choose the time again."),
    "search_from": N_("Give the day to search from as a date, e.g. 3.3.2026, within a year from today."),
}


#: message for a refusal, by its problem code
CODE_MESSAGES = {
    "slot-taken": N_("That time was just booked by someone else. Choose another time."),
    "slot-held": N_("Someone else is booking that time right now. Choose another time."),
    "slot-unavailable": N_("That time can no longer be booked. Choose another time."),
    "hold-expired": N_("Your hold on the time expired. Choose the time again."),
    "not-found": N_("That time can no longer be booked. Choose another time."),
    "unknown-code": N_("Choose the reasons from the list."),
    "booking-mode-not-allowed": N_("This station takes walk-in clients only: its times cannot be booked."),
    "booking-state": N_("This booking is no longer booked: it cannot be moved or cancelled."),
    "idempotency-key-reused": N_(
        "This form was already used for another booking. Reload the page to book again."
    ),
}


#: where the error summary sends the keyboard, by field
TARGETS = {
    "slot_id": "slots",
    "hold_id": "slots",
    "search_from": "search-from",
    "reasons": "reasons",
    "client.name": "client-name",
    "client.phone": "client-phone",
    "client.age": "client-age",
    "client.email": "client-email",
    "messages": "messages",
    "preferred_language": "preferred-language",
    "note": "note",
    "existing_relationship": "relationship",
}


def form_error(exc: DomainError, *, registry: MunicipalityRegistry, municipality: str | None) -> FormError:
    """A refusal as the nurse should read it, in her language, beside its field."""
    target = TARGETS.get(exc.field or "", "")
    if exc.code in ("slot-taken", "slot-held", "slot-unavailable", "hold-expired", "not-found"):
        target = "slots"
    if exc.code == "age-not-eligible":
        profile = registry.get(municipality) if municipality else None
        groups = ", ".join(f"{g.minimum}–{g.maximum}" for g in profile.age_groups) if profile else ""
        return FormError(
            N_("The client's age is outside the age group this municipality serves (%(groups)s)."),
            {"groups": groups},
            "client-age",
        )
    if exc.code == "booking-vetoed":
        # a municipality plugin's own words: shown as they are
        return FormError(
            N_("The municipality's rules refuse this booking: %(reason)s"), {"reason": exc.detail}, ""
        )
    if exc.code in CODE_MESSAGES:
        return FormError(CODE_MESSAGES[exc.code], {}, target)
    if exc.field in FIELD_MESSAGES:
        return FormError(FIELD_MESSAGES[exc.field], {}, target)
    return FormError(N_("The booking could not be made: %(reason)s"), {"reason": exc.detail}, target)


#: the farthest ahead the times can be searched from (the slot search's own limit is a year)
SEARCH_AHEAD = timedelta(days=365)


def parse_search_day(value: str, today: date) -> date | None:
    """The day the times are searched from; blank is today. A day past, or too far ahead,
    is refused."""
    return parse_form_day(value, "search_from", today, today + SEARCH_AHEAD)


def parse_form_day(value: str, field_name: str, earliest: date, latest: date) -> date | None:
    """A day as a date field sends it (2026-03-03) or as typed (3.3.2026); blank is ``None``."""
    if not value:
        return None
    try:
        if "." in value:
            day_text, month_text, year_text = value.split(".")
            day = date(int(year_text), int(month_text), int(day_text))
        elif len(value) == 10:
            day = date.fromisoformat(value)
        else:
            raise ValueError(value)
    except ValueError:
        raise InputInvalid("give the day as YYYY-MM-DD or D.M.YYYY", field=field_name) from None
    if not earliest <= day <= latest:
        raise InputInvalid(f"the day must be from {earliest} to {latest}", field=field_name)
    return day
