"""Workers' calendars that learn at once: an iMIP invitation (RFC 6047) for each booking of a
worker's made, moved or cancelled, by e-mail to an address the worker gave.

A subscribed feed is refreshed every few hours (Outlook) or 8-24 h (Google), so a time booked
now for this afternoon would not be seen in time. The invitation carries the very event the
worker's feed carries: the same UID and SEQUENCE (a move is the old booking's cancellation
and the new booking's request, as in the feed), busy-only or pseudonymous as the worker chose,
never a client's identity. It is written to the outbox in the booking's own transaction
(``sotesilta_event_in_transaction``), so it is sent if and only if the change commits.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import icalendar
import msgspec
from sqlalchemy import bindparam
from sqlmodel import col

from sotesilta.calendar.feed_content import TEXTS, _Render, booking_rows, first_bookings
from sotesilta.calendar.feed_content import booking_item as feed_booking_item
from sotesilta.calendar.serialise import HELSINKI_VTIMEZONE, FeedItem, event_of
from sotesilta.calendar.settings import CalendarSettings
from sotesilta.calendar.subscriptions import PRIVACY_MODES, Privacy
from sotesilta.calendar.tables import CalendarInvitationSetting
from sotesilta.core.plugin_api import HELSINKI, DomainEvent, EventKind, InputInvalid, Principal, Role
from sotesilta.core.plugin_api.data import (
    Booking,
    MessageKind,
    OutgoingMessage,
    Prepared,
    Station,
    UnitOfWork,
    Worker,
    own_worker_id,
    require_role,
)

PRODID = "-//sotesilta//calendar invitation//FI"
ADDRESS = "calendar_invitation_setting.address"
#: the outbox's kinds (the admins' list shows them)
REQUEST_KIND = MessageKind.CALENDAR_INVITATION
CANCEL_KIND = MessageKind.CALENDAR_CANCELLATION
#: one address, as a calendar app's owner types it: no display name, no list
_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")

WORDS = {
    "fi": {
        "REQUEST": "Kalenteriisi: {when}",
        "CANCEL": "Peruttu: {when}",
        "body_REQUEST": "Sotesilta lisää tämän ajan kalenteriisi.",
        "body_CANCEL": "Sotesilta poistaa tämän ajan kalenteristasi: se peruttiin tai siirrettiin.",
        "when": "{date} klo {start}–{end}",
        "footer": (
            "Asetus on Sotesillan sivulla Kalenteritilaukset. "
            "Asiakkaan tietoja ei ole viestissä: kirjaudu nähdäksesi ne."
        ),
    },
    "sv": {
        "REQUEST": "Till din kalender: {when}",
        "CANCEL": "Inställd: {when}",
        "body_REQUEST": "Sotesilta lägger till den här tiden i din kalender.",
        "body_CANCEL": "Sotesilta tar bort den här tiden ur din kalender: den ställdes in eller flyttades.",
        "when": "{date} kl. {start}–{end}",
        "footer": (
            "Inställningen finns på Sotesiltas sida Kalenderprenumerationer. "
            "Klientens uppgifter finns inte i meddelandet: logga in för att se dem."
        ),
    },
    "en": {
        "REQUEST": "In your calendar: {when}",
        "CANCEL": "Cancelled: {when}",
        "body_REQUEST": "Sotesilta adds this time to your calendar.",
        "body_CANCEL": "Sotesilta removes this time from your calendar: it was cancelled or moved.",
        "when": "{date} at {start}–{end}",
        "footer": (
            "The setting is on Sotesilta's Calendar subscriptions page. "
            "No client details are in this message: sign in to see them."
        ),
    },
}


# --- the worker's setting ------------------------------------------------------------------


class InvitationSettingView(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a worker's bookings reach their own calendar as invitations, and where."""

    enabled: bool
    address: Annotated[str | None, msgspec.Meta(description="the worker's own e-mail address")]
    privacy: Privacy
    language: str
    updated_at: datetime | None


def _view(
    row: CalendarInvitationSetting | None, uow: UnitOfWork, principal: Principal
) -> InvitationSettingView:
    if row is None:
        # off, and no address: nothing is sent until the worker says where
        return InvitationSettingView(
            enabled=False, address=None, privacy="busy_only", language=principal.language, updated_at=None
        )
    return InvitationSettingView(
        enabled=row.enabled,
        address=uow.sealer.open_optional(row.address, context=ADDRESS),
        privacy=row.privacy,  # type: ignore[arg-type]  # checked when written
        language=row.language,
        updated_at=row.updated_at,
    )


def get_invitation_setting(uow: UnitOfWork, *, principal: Principal) -> InvitationSettingView:
    require_role(principal, Role.INSTRUCTOR)
    return _view(uow.session.get(CalendarInvitationSetting, principal.user_id), uow, principal)


def set_invitation_setting(
    uow: UnitOfWork,
    *,
    principal: Principal,
    enabled: bool,
    address: str | None,
    privacy: str,
    language: str | None,
) -> InvitationSettingView:
    """Turn the invitations on (to ``address``) or off; the address is kept sealed."""
    require_role(principal, Role.INSTRUCTOR)
    address = (address or "").strip() or None
    if address is not None and (len(address) > 254 or not _ADDRESS.match(address)):
        raise InputInvalid("give one e-mail address, e.g. maija.virtanen@hyvaks.fi", field="address")
    if enabled and address is None:
        raise InputInvalid("invitations need the address of your calendar", field="address")
    if privacy not in PRIVACY_MODES:
        raise InputInvalid("privacy is 'busy_only' or 'pseudonymous'", field="privacy")
    language = language or principal.language
    if language not in TEXTS:
        raise InputInvalid("language is fi, sv or en", field="language")
    if enabled and own_worker_id(uow, principal) is None:
        raise InputInvalid("invitations need a worker record linked to your account", field="enabled")
    row = uow.session.get(CalendarInvitationSetting, principal.user_id)
    if row is None:
        row = CalendarInvitationSetting(
            user_id=principal.user_id, privacy=privacy, language=language, updated_at=uow.now
        )
    row.enabled = enabled
    row.address = uow.sealer.seal_optional(address, context=ADDRESS)
    row.privacy, row.language, row.updated_at = privacy, language, uow.now
    uow.session.add(row)
    uow.session.flush()
    view = _view(row, uow, principal)
    uow.commit()
    return view


# --- the invitation --------------------------------------------------------------------------

Method = Literal["REQUEST", "CANCEL"]


def invitation_ics(item: FeedItem, method: Method, *, organizer: str, attendee: str, now: datetime) -> str:
    """One VEVENT as an iTIP message (RFC 5546): the feed's event, with ORGANIZER and ATTENDEE.

    The worker is the only attendee and has nothing to answer (``RSVP=FALSE``,
    ``PARTSTAT=ACCEPTED``): the time is already in their work, and a reply would go to a
    machine's address.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = event_of(item)
    event["dtstamp"] = icalendar.vDDDTypes(now.astimezone(UTC))
    event.add("organizer", f"mailto:{organizer}", parameters={"CN": "Sotesilta"})
    event.add(
        "attendee",
        f"mailto:{attendee}",
        parameters={
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "ACCEPTED",
            "RSVP": "FALSE",
        },
    )
    text = cal.to_ical()
    head = text[: text.rindex(b"END:VCALENDAR")]
    return (head + HELSINKI_VTIMEZONE + event.to_ical() + b"END:VCALENDAR\r\n").decode()


def _when(item: FeedItem, language: str) -> str:
    start, end = item.starts_at.astimezone(HELSINKI), item.ends_at.astimezone(HELSINKI)
    mark = ":" if language == "en" else "."
    return WORDS[language]["when"].format(
        date=f"{start.day}.{start.month}.{start.year}",
        start=f"{start.hour}{mark}{start.minute:02d}",
        end=f"{end.hour}{mark}{end.minute:02d}",
    )


def text_part(item: FeedItem, method: Method, language: str) -> tuple[str, str]:
    """(subject, body): the time and what the feed's event says, nothing more."""
    words = WORDS[language]
    when = _when(item, language)
    lines = [words[f"body_{method}"], "", when, item.summary]
    if item.location:
        lines.append(item.location)
    lines += ["", words["footer"]]
    return words[method].format(when=when), "\n".join(lines) + "\n"


# --- hearing of a booking ----------------------------------------------------------------------

#: a booking's event and its worker's invitation setting: one prebuilt statement on the booking's
#: path (through SQLAlchemy's execution it cost 356 µs of CPU a booking, measured; prebuilt,
#: see kernel.prepared, a fraction of it); no row when the worker has it off
_TARGET = Prepared(
    booking_rows()
    .add_columns(
        col(Station.county_code),
        col(Worker.user_id),
        col(CalendarInvitationSetting.address).label("invitation_address"),
        col(CalendarInvitationSetting.privacy).label("invitation_privacy"),
        col(CalendarInvitationSetting.language).label("invitation_language"),
    )
    .join(Worker, col(Worker.id) == col(Booking.worker_id))
    .join(CalendarInvitationSetting, col(CalendarInvitationSetting.user_id) == col(Worker.user_id))
    .where(
        col(Booking.id) == bindparam("booking_id"),
        col(CalendarInvitationSetting.enabled).is_(True),
        col(CalendarInvitationSetting.address).is_not(None),
    )
)


def on_booking_event(uow: UnitOfWork, event: DomainEvent) -> None:
    """Queue the invitations a booking's change causes, in its transaction."""
    if event.kind is EventKind.BOOKING_CANCELLED:
        send(uow, event.subject_id, "CANCEL")
    elif event.kind is EventKind.BOOKING_RESCHEDULED:
        moved_from = event.facts.get("from")
        if isinstance(moved_from, int):
            send(uow, moved_from, "CANCEL")  # the old booking's event, cancelled (as in the feed)
        send(uow, event.subject_id, "REQUEST")
    elif event.kind is EventKind.BOOKING_CREATED:
        send(uow, event.subject_id, "REQUEST")


def send(uow: UnitOfWork, booking_id: int, method: Method) -> bool:
    """Queue the invitation for one booking's worker; False when they have none turned on."""
    row = _TARGET.first(uow.connection, {"booking_id": booking_id})
    if row is None:
        return False
    item = booking_item(uow, row)
    address = uow.sealer.open(row.invitation_address, context=ADDRESS)
    language = row.invitation_language
    organizer = uow.plugins.settings(CalendarSettings).invitation_organizer
    subject, body = text_part(item, method, language)
    about = f"booking:{booking_id}"
    if method == "CANCEL":
        # a request still waiting need not go out first: the cancellation says it all
        uow.outbox.withdraw(uow, about=about, kinds=[REQUEST_KIND])
    uow.outbox.enqueue(
        uow,
        OutgoingMessage(
            county=row.county_code,
            channel="email",
            kind=CANCEL_KIND if method == "CANCEL" else REQUEST_KIND,
            recipient=address,
            subject=subject,
            body=body,
            # one per version of the event and recipient: a retried use case adds nothing
            idempotency_key=f"calendar-invitation:{booking_id}:{item.sequence}:{row.user_id}",
            language=language,
            about=about,
            calendar=invitation_ics(item, method, organizer=organizer, attendee=address, now=uow.now),
        ),
    )
    return True


def booking_item(uow: UnitOfWork, row: Any) -> FeedItem:
    """The booking's event exactly as the worker's feed in the chosen mode renders it."""
    render = _Render(row.invitation_language, row.invitation_privacy == "busy_only", uow.secret)
    moved = [row.rescheduled_from] if not row.client_id and row.rescheduled_from is not None else []
    first = first_bookings(uow, moved) if moved else {}
    return feed_booking_item(render, row, first)
