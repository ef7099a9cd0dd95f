"""The client's own link to their appointment's instructions: no login, nothing to guess.

The link is the booking's random reference with an HMAC of it under the server
secret, so only the server can make one and no column needs to be stored.
What it shows is the printable instructions — time, place, address, video
link — and never the client's name, phone or reasons. A moved booking's old
link leads to the new time; a link stops working a while after the visit.
Changing the server secret invalidates every link made before.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from sqlalchemy import Row, select
from sqlmodel import col

from sotesilta.core.kernel.errors import RecordNotFound
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import County, Station, Worker
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus
from sotesilta.core.scheduling.service.instructions import Instructions, Venue, client_instructions
from sotesilta.core.scheduling.tables import Booking, GuidanceSession

#: how long after the visit the link still answers
LINK_LIFETIME_AFTER_VISIT = timedelta(days=14)
#: a chain of moves longer than this is not followed (it never is in practice)
MAX_MOVES = 20


def link_token(secret: bytes, reference: str) -> str:
    mac = hmac.new(secret, f"client-link:{reference}".encode(), sha256).digest()[:16]
    return f"{reference}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@dataclass(frozen=True)
class ClientAppointment:
    instructions: Instructions
    cancelled: bool
    starts_at: datetime
    ends_at: datetime


def _row(uow: UnitOfWork, **where: object) -> Row[*tuple[Any, ...]] | None:
    query = (
        select(
            col(Booking.id),
            col(Booking.status),
            col(Booking.starts_at),
            col(Booking.ends_at),
            col(Booking.preferred_language),
            col(Station.name_fi),
            col(Station.name_sv),
            col(Station.address),
            col(Station.address_sv),
            col(Station.phone),
            col(Station.kind),
            col(County.name_fi).label("county_fi"),
            col(County.name_sv).label("county_sv"),
            col(Worker.display_name).label("worker_name"),
            col(GuidanceSession.video_link),
        )
        .join(Station, col(Station.id) == col(Booking.station_id))
        .join(County, col(County.code) == col(Station.county_code))
        .join(Worker, col(Worker.id) == col(Booking.worker_id))
        .join(GuidanceSession, col(GuidanceSession.id) == col(Booking.session_id))
    )
    for column, value in where.items():
        query = query.where(getattr(Booking, column) == value)
    return uow.session.execute(query.order_by(col(Booking.id).desc()).limit(1)).first()


def appointment_by_link(
    uow: UnitOfWork, *, secret: bytes, token: str, language: str | None = None
) -> ClientAppointment:
    """The appointment a link names, following moves; ``RecordNotFound`` for anything else.

    In the client's own language unless ``language`` asks for another."""
    now = uow.now
    reference = token.partition(".")[0]
    if not reference or len(token) > 100 or not hmac.compare_digest(token, link_token(secret, reference)):
        raise RecordNotFound("no such link")
    row = _row(uow, reference=reference)
    for _ in range(MAX_MOVES):
        if row is None or row.status != AppointmentStatus.CANCELLED.value:
            break
        moved = _row(uow, rescheduled_from=row.id)
        if moved is None:
            break
        row = moved
    if row is None or now > row.ends_at + LINK_LIFETIME_AFTER_VISIT:
        raise RecordNotFound("no such link")
    instructions = client_instructions(
        language=language or row.preferred_language,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        worker_name=row.worker_name,
        venue=Venue.of_row(row),
        video_link=row.video_link,
    )
    cancelled = row.status == AppointmentStatus.CANCELLED.value
    return ClientAppointment(instructions, cancelled, row.starts_at, row.ends_at)
