"""Reads for the booking pages: the nurse's upcoming bookings and her stations', and
where a moved booking went.

Who sees a client's name is ``bookings.may_see``'s rule, unchanged: a colleague's
booking at her station is listed as an occupied time without the client.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import or_, select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Worker
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus
from sotesilta.core.scheduling.service.bookings import log_access, may_see, own_worker_of
from sotesilta.core.scheduling.tables import Booking

#: a list longer than this is cut (a day's search never comes near it)
MAX_LISTED = 200


class BookingLine(msgspec.Struct, frozen=True, kw_only=True):
    """One booking in a list."""

    id: int
    starts_at: datetime
    ends_at: datetime
    station_id: int
    worker_name: str
    status: str
    mine: bool
    #: the client's name where this person may see the booking; ``None`` otherwise
    client_name: str | None


def list_bookings(
    uow: UnitOfWork,
    *,
    principal: Principal,
    start: datetime,
    end: datetime | None = None,
    booked_only: bool = True,
) -> list[BookingLine]:
    """Bookings from ``start`` (until ``end``) that the person made, or at her stations,
    or with her as the instructor; each client named is a read, logged."""
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    own_worker = own_worker_of(uow, principal)
    ours = [
        col(Booking.booked_by) == principal.user_id,
        col(Booking.station_id).in_(sorted(principal.station_ids)),
    ]
    if own_worker is not None:
        ours.append(col(Booking.worker_id) == own_worker)
    query = (
        select(Booking, col(Worker.display_name))
        .join(Worker, col(Worker.id) == col(Booking.worker_id))
        .where(
            col(Booking.municipality_code).in_(sorted(principal.municipalities)),
            col(Booking.starts_at) >= start,
            or_(*ours),
        )
        .order_by(col(Booking.starts_at), col(Booking.id))
        .limit(MAX_LISTED)
    )
    if end is not None:
        query = query.where(col(Booking.starts_at) < end)
    if booked_only:
        query = query.where(col(Booking.status) == AppointmentStatus.BOOKED.value)
    found = []
    for booking, worker_name in uow.session.execute(query):
        seen = may_see(principal, booking, own_worker)
        name = uow.sealer.open_optional(booking.client_name, context="booking.client_name") if seen else None
        if seen:
            mine = booking.booked_by == principal.user_id
            log_access(
                uow, principal, AccessAction.READ, booking.id or 0, booking.client_id, booked_by_me=mine
            )
        found.append(
            BookingLine(
                id=booking.id or 0,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                station_id=booking.station_id,
                worker_name=worker_name,
                status=booking.status,
                mine=booking.booked_by == principal.user_id,
                client_name=name,
            )
        )
    uow.commit()  # the access-log entries of the reads
    return found


def moved_to(uow: UnitOfWork, booking_id: int) -> int | None:
    """The booking this one was moved to, if it was (opening it checks access again)."""
    return uow.session.scalar(select(col(Booking.id)).where(col(Booking.rescheduled_from) == booking_id))
