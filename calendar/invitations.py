"""The client's calendar invitation: one VEVENT in the client's language, no health information.

The UID is the first booking of a reschedule chain, so moving a booking
updates the client's calendar entry instead of adding a second one; the
SEQUENCE rises along the chain: each booking's own changes, plus one per move.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
from sqlalchemy import select
from sqlmodel import col

from sotesilta.calendar.serialise import HELSINKI_VTIMEZONE, PRODID, UID_DOMAIN, wall_clock
from sotesilta.core.plugin_api.data import AppointmentStatus, Booking, BookingView, UnitOfWork

#: a reschedule chain longer than this is not followed further (it never is in practice)
MAX_CHAIN = 100


def chain_position(uow: UnitOfWork, booking_id: int) -> tuple[int, int]:
    """(root booking id, invitation SEQUENCE) of a booking."""
    chain: list[tuple[int, int, int | None]] = []
    current: int | None = booking_id
    while current is not None and len(chain) < MAX_CHAIN:
        row = uow.session.execute(
            select(col(Booking.sequence), col(Booking.rescheduled_from)).where(col(Booking.id) == current)
        ).first()
        if row is None:
            break
        chain.append((current, row[0], row[1]))
        current = row[1]
    sequence = 0
    for position, (_, own, _) in enumerate(reversed(chain)):
        # each earlier booking's changes (its cancellation by the move included), then one for the move
        sequence += own + (1 if position else 0)
    return chain[-1][0], sequence


def invitation_ics(view: BookingView, root_id: int, sequence: int, now: datetime) -> bytes:
    instructions = view.instructions
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    # no METHOD: PUBLISH (RFC 5546) would need an ORGANIZER, and an iTIP method makes some
    # apps treat the file as a meeting request; without one it is an event to add
    event = icalendar.Event()
    event.add("uid", f"sotesilta-invitation-{root_id}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", wall_clock(view.starts_at))
    event.add("dtend", wall_clock(view.ends_at))
    event.add("summary", instructions.title)
    cancelled = view.status == AppointmentStatus.CANCELLED.value
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if instructions.video_link:
        event.add("location", instructions.video_link)
        event.add("url", instructions.video_link)
    else:
        event.add("location", f"{instructions.place}, {instructions.address}")
    # the instructions carry time, place, address and video link only: no reasons, no notes
    event.add("description", "\n".join(instructions.lines))
    text = cal.to_ical()
    head = text[: text.rindex(b"END:VCALENDAR")]
    return head + HELSINKI_VTIMEZONE + event.to_ical() + b"END:VCALENDAR\r\n"
