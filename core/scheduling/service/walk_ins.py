"""Walk-in: register arrivals into a session's places, show the queue, call the next.

Capacity is enforced by the rows themselves: a session with capacity N has N
places, and registering claims the lowest free one with a conditional UPDATE,
so no interleaving of requests can exceed N.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, select, update
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import BookingModeNotAllowed, RecordNotFound, WalkInClosed, WalkInFull
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, Station
from sotesilta.core.scheduling.domain.bookings import Referrer, WalkInStatus
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.tables import GuidanceSession, WalkInPlace

log = logging.getLogger("sotesilta.walk_ins")
#: arrivals may be registered this long before the walk-in time opens
EARLY_REGISTRATION = timedelta(minutes=60)


class WalkInQueueEmpty(WalkInClosed):
    code = "walk-in-queue-empty"
    title = "Nobody is waiting"


class QueueEntry(msgspec.Struct, frozen=True):
    """One number of a session's walk-in queue: never a name."""

    place_id: int
    number: int
    status: str
    referrer: str | None
    registered_at: datetime | None
    called_at: datetime | None


class Queue(msgspec.Struct, frozen=True):
    """A session's walk-in queue, its capacity and its free places."""

    session_id: int
    capacity: int
    free: int
    entries: tuple[QueueEntry, ...]


def _walk_in_session(uow: UnitOfWork, principal: Principal, session_id: int) -> GuidanceSession:
    row = uow.session.execute(
        select(GuidanceSession, Station)
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .where(col(GuidanceSession.id) == session_id)
    ).first()
    if row is None or row[1].municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no session {session_id}")
    guidance_session, station = row
    if BookingMode(station.booking_mode) is BookingMode.BOOKED or not guidance_session.walk_in_capacity:
        raise BookingModeNotAllowed(f"session {session_id} has no walk-in time")
    return guidance_session


def register_walk_in(
    uow: UnitOfWork, *, principal: Principal, session_id: int, referrer: Referrer
) -> QueueEntry:
    """Give an arriving client the next queue number, if the walk-in is open."""
    now = uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    opens, closes = guidance_session.walk_in_starts_at, guidance_session.walk_in_ends_at
    if (
        guidance_session.status != SessionStatus.SCHEDULED.value
        or opens is None
        or closes is None
        or not opens - EARLY_REGISTRATION <= now < closes
    ):
        raise WalkInClosed(f"walk-in of session {session_id} is not open now")
    place = _advance_lowest(
        uow,
        session_id,
        WalkInStatus.FREE,
        WalkInStatus.WAITING,
        referrer=referrer.value,
        registered_by=principal.user_id,
        registered_at=now,
    )
    if place is None:
        raise WalkInFull(
            f"all {guidance_session.walk_in_capacity} walk-in places of session {session_id} are taken"
        )
    log.info("walk-in registered", extra={"session_id": session_id, "number": place.number})
    return _entry(place)


def _advance_lowest(
    uow: UnitOfWork, session_id: int, current: WalkInStatus, new: WalkInStatus, **values: object
) -> WalkInPlace | None:
    """Move the lowest-numbered place in ``current`` to ``new`` and commit; None if there is none.

    The UPDATE re-checks the status, so two requests never take the same place:
    the one that loses the row takes the next.
    """
    session = uow.session
    # each lost race means someone else moved a place on, so this ends
    while True:
        place_id = session.scalar(
            select(col(WalkInPlace.id))
            .where(col(WalkInPlace.session_id) == session_id, col(WalkInPlace.status) == current.value)
            .order_by(col(WalkInPlace.number))
            .limit(1)
        )
        if place_id is None:
            return None
        moved = session.execute(
            update(WalkInPlace)
            .where(col(WalkInPlace.id) == place_id, col(WalkInPlace.status) == current.value)
            .values(status=new.value, **values)
        )
        if cast("CursorResult[Any]", moved).rowcount == 1:  # an UPDATE's result
            place = session.get(WalkInPlace, place_id)
            assert place is not None
            uow.commit()
            return place
        session.rollback()


def _entry(place: WalkInPlace) -> QueueEntry:
    return QueueEntry(
        place.id or 0, place.number, place.status, place.referrer, place.registered_at, place.called_at
    )


def walk_in_queue(uow: UnitOfWork, *, principal: Principal, session_id: int) -> Queue:
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    places = list(
        uow.session.scalars(
            select(WalkInPlace)
            .where(col(WalkInPlace.session_id) == session_id)
            .order_by(col(WalkInPlace.number))
        )
    )
    taken = [p for p in places if p.status != WalkInStatus.FREE.value]
    return Queue(
        session_id,
        guidance_session.walk_in_capacity,
        len(places) - len(taken),
        tuple(_entry(p) for p in taken),
    )


def call_next_walk_in(uow: UnitOfWork, *, principal: Principal, session_id: int) -> QueueEntry:
    """The instructor calls the lowest waiting number."""
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    if (
        guidance_session.worker_id != organisations.own_worker_id(uow, principal)
        and guidance_session.station_id not in principal.station_ids
    ):
        raise RecordNotFound(f"no session {session_id} of yours")
    place = _advance_lowest(
        uow, session_id, WalkInStatus.WAITING, WalkInStatus.CALLED, called_at=now, called_by=principal.user_id
    )
    if place is None:
        raise WalkInQueueEmpty(f"nobody is waiting in session {session_id}")
    return _entry(place)
