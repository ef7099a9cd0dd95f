"""Walk-in: register arrivals into a session's places, show the queue, call the next, and put
a called client who did not answer back in the line.

Capacity is enforced by the rows themselves: a session with capacity N has N
places, and registering claims the lowest free one with a conditional UPDATE,
so no interleaving of requests can exceed N. Every move of a place (called, back
in the line, seen) is a conditional UPDATE on its status too: of two people
acting on one number at once, one wins and the other is told.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, func, insert, select, update
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import (
    BookingModeNotAllowed,
    BookingStateInvalid,
    CodeUnknown,
    InputInvalid,
    RecordNotFound,
    WalkInClosed,
    WalkInFull,
)
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, Station, Worker
from sotesilta.core.scheduling.domain.bookings import LANGUAGES, Referrer, WalkInStatus
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.tables import GuidanceSession, WalkInPlace, WalkInReason

log = logging.getLogger("sotesilta.walk_ins")
#: at most this many reasons with one arrival (the lists are shorter)
MAX_REASONS = 20


class WalkInQueueEmpty(WalkInClosed):
    code = "walk-in-queue-empty"
    title = "Nobody is waiting"


class QueueEntry(msgspec.Struct, frozen=True):
    """One number of a session's walk-in queue: never a name."""

    place_id: int
    number: int
    status: WalkInStatus
    referrer: Referrer | None
    registered_at: datetime | None
    called_at: datetime | None
    queued_at: datetime | None = None
    preferred_language: str | None = None
    reasons: tuple[str, ...] = ()
    #: the place in the waiting line (1 is called next); None unless waiting
    position: int | None = None


class Queue(msgspec.Struct, frozen=True):
    """A session's walk-in queue, its capacity, its free places and how many wait."""

    session_id: int
    capacity: int
    free: int
    entries: tuple[QueueEntry, ...]
    waiting: int = 0


def _walk_in_session(uow: UnitOfWork, principal: Principal, session_id: int) -> GuidanceSession:
    """The session, if it has walk-in time and stands in one of the principal's
    municipalities; any other is "not found", as elsewhere."""
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


def _municipality(uow: UnitOfWork, guidance_session: GuidanceSession) -> str:
    return str(
        uow.session.scalar(
            select(col(Station.municipality_code)).where(col(Station.id) == guidance_session.station_id)
        )
    )


def _check_arrival(uow: UnitOfWork, municipality: str, reasons: Sequence[str], language: str) -> None:
    if len(reasons) > MAX_REASONS:
        raise InputInvalid(f"at most {MAX_REASONS} reasons", field="reasons")
    unknown = sorted(set(reasons) - uow.plugins.code_lists.codes("guidance_reason", municipality))
    if unknown:
        raise CodeUnknown(f"unknown reason code(s): {', '.join(unknown)}", field="reasons")
    if language not in LANGUAGES:
        raise InputInvalid("preferred language must be fi, sv or en", field="preferred_language")


def _check_open(guidance_session: GuidanceSession, now: datetime) -> None:
    """Arrivals are registered while the walk-in time is on: not before it opens (the
    client would hold a number nobody can call yet), not after it closes."""
    opens, closes = guidance_session.walk_in_starts_at, guidance_session.walk_in_ends_at
    if guidance_session.status != SessionStatus.SCHEDULED.value or opens is None or closes is None:
        raise WalkInClosed(f"session {guidance_session.id} has no walk-in time now")
    times = {"opens_at": opens.isoformat(), "closes_at": closes.isoformat()}
    if now < opens:
        raise WalkInClosed(
            f"the walk-in of session {guidance_session.id} opens at {opens.isoformat()}: "
            "arrivals are registered from then",
            not_open_yet=True,
            **times,
        )
    if now >= closes:
        raise WalkInClosed(
            f"the walk-in of session {guidance_session.id} closed at {closes.isoformat()}",
            not_open_yet=False,
            **times,
        )


def register_walk_in(
    uow: UnitOfWork,
    *,
    principal: Principal,
    session_id: int,
    referrer: Referrer,
    reasons: Sequence[str] = (),
    preferred_language: str = "fi",
) -> QueueEntry:
    """Give an arriving client the next queue number, if the walk-in is open now."""
    now = uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    _check_arrival(uow, _municipality(uow, guidance_session), reasons, preferred_language)
    _check_open(guidance_session, now)
    codes = sorted(set(reasons))
    place = _advance(
        uow,
        session_id,
        WalkInStatus.FREE,
        WalkInStatus.WAITING,
        referrer=referrer.value,
        registered_by=principal.user_id,
        registered_at=now,
        queued_at=_line_end(uow, session_id, now),
        preferred_language=preferred_language,
        _reasons=codes,
    )
    if place is None:
        raise WalkInFull(
            f"all {guidance_session.walk_in_capacity} walk-in places of session {session_id} are taken"
        )
    log.info("walk-in registered", extra={"session_id": session_id, "number": place.number})
    return _entries(uow, session_id, [place])[0]


def _line_end(uow: UnitOfWork, session_id: int, now: datetime) -> datetime:
    """The time to join the line with: now, or just after the last one in it when the clock
    has not moved on (so whoever joins later is called later, also within one instant)."""
    last = uow.session.scalar(
        select(func.max(col(WalkInPlace.queued_at))).where(
            col(WalkInPlace.session_id) == session_id,
            col(WalkInPlace.status) == WalkInStatus.WAITING.value,
        )
    )
    return max(now, last + timedelta(microseconds=1)) if last is not None else now


def _advance(
    uow: UnitOfWork,
    session_id: int,
    current: WalkInStatus,
    new: WalkInStatus,
    _reasons: Sequence[str] = (),
    **values: object,
) -> WalkInPlace | None:
    """Move the first place in ``current`` to ``new`` and commit; None if there is none.

    Free places are taken lowest number first; waiting ones in the order they
    joined the line. The UPDATE re-checks the status, so two requests never take
    the same place: the one that loses the row takes the next.
    """
    session = uow.session
    order = (
        [col(WalkInPlace.number)]
        if current is WalkInStatus.FREE
        else [col(WalkInPlace.queued_at), col(WalkInPlace.number)]
    )
    # each lost race means someone else moved a place on, so this ends
    while True:
        place_id = session.scalar(
            select(col(WalkInPlace.id))
            .where(col(WalkInPlace.session_id) == session_id, col(WalkInPlace.status) == current.value)
            .order_by(*order)
            .limit(1)
        )
        if place_id is None:
            return None
        if _move(uow, place_id, (current,), new, **values):
            if _reasons:
                session.execute(insert(WalkInReason), [{"place_id": place_id, "code": c} for c in _reasons])
            place = session.get(WalkInPlace, place_id)
            assert place is not None
            uow.commit()
            return place
        session.rollback()


def _move(
    uow: UnitOfWork, place_id: int, current: Sequence[WalkInStatus], new: WalkInStatus, **values: object
) -> bool:
    """One place from any of ``current`` to ``new``, if it still is in one of them."""
    moved = uow.session.execute(
        update(WalkInPlace)
        .where(col(WalkInPlace.id) == place_id, col(WalkInPlace.status).in_([s.value for s in current]))
        .values(status=new.value, **values)
    )
    return cast("CursorResult[Any]", moved).rowcount == 1  # an UPDATE's result


def _entries(uow: UnitOfWork, session_id: int, places: Sequence[WalkInPlace]) -> list[QueueEntry]:
    """The places as queue entries, with their reasons and their place in the waiting line."""
    session = uow.session
    ids = [p.id for p in places]
    reasons: dict[int, list[str]] = {}
    for place_id, code in session.execute(
        select(col(WalkInReason.place_id), col(WalkInReason.code))
        .where(col(WalkInReason.place_id).in_(ids))
        .order_by(col(WalkInReason.code))
    ):
        reasons.setdefault(place_id, []).append(code)
    line = [
        place_id
        for place_id, _queued, _number in session.execute(
            select(col(WalkInPlace.id), col(WalkInPlace.queued_at), col(WalkInPlace.number))
            .where(
                col(WalkInPlace.session_id) == session_id,
                col(WalkInPlace.status) == WalkInStatus.WAITING.value,
            )
            .order_by(col(WalkInPlace.queued_at), col(WalkInPlace.number))
        )
    ]
    return [
        QueueEntry(
            p.id or 0,
            p.number,
            WalkInStatus(p.status),
            Referrer(p.referrer) if p.referrer else None,
            p.registered_at,
            p.called_at,
            p.queued_at,
            p.preferred_language,
            tuple(reasons.get(p.id or 0, ())),
            line.index(p.id) + 1 if p.id in line else None,
        )
        for p in places
    ]


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
        tuple(_entries(uow, session_id, taken)),
        sum(1 for p in taken if p.status == WalkInStatus.WAITING.value),
    )


class WalkInDesk(msgspec.Struct, frozen=True):
    """What the queue page shows: the session's walk-in, its queue, and whether the one
    asking calls the numbers (its instructor) or only registers arrivals."""

    session_id: int
    station_id: int
    municipality: str
    worker_name: str
    opens_at: datetime | None
    closes_at: datetime | None
    status: str
    queue: Queue
    may_call: bool
    #: "open", "not_open_yet", "closed" (its time is over) or "cancelled": arrivals are
    #: registered only while it is open
    state: str = "open"


def walk_in_desk(uow: UnitOfWork, *, principal: Principal, session_id: int) -> WalkInDesk:
    queue = walk_in_queue(uow, principal=principal, session_id=session_id)
    guidance_session = _walk_in_session(uow, principal, session_id)
    worker_name = uow.session.scalar(
        select(col(Worker.display_name)).where(col(Worker.id) == guidance_session.worker_id)
    )
    may_call = principal.has_any_role(Role.INSTRUCTOR) and _calls_numbers(uow, principal, guidance_session)
    return WalkInDesk(
        session_id,
        guidance_session.station_id,
        _municipality(uow, guidance_session),
        worker_name or "",
        guidance_session.walk_in_starts_at,
        guidance_session.walk_in_ends_at,
        guidance_session.status,
        queue,
        may_call,
        _state(guidance_session, uow.now),
    )


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    """A walk-in client's queue ticket: the number, where and when, in the client's language;
    the feedback link is added by the page (it needs the server's secret)."""

    place_id: int
    number: int
    station_id: int
    municipality: str
    registered_at: datetime
    language: str


def walk_in_ticket(uow: UnitOfWork, *, principal: Principal, session_id: int, place_id: int) -> Ticket:
    """The ticket of an arrival of a session the caller may see; a free place is nobody's."""
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    place = uow.session.get(WalkInPlace, place_id)
    if (
        place is None
        or place.session_id != session_id
        or place.status == WalkInStatus.FREE.value
        or place.registered_at is None
    ):
        raise RecordNotFound(f"no arrival {place_id} in session {session_id}")
    return Ticket(
        place_id=place_id,
        number=place.number,
        station_id=guidance_session.station_id,
        municipality=_municipality(uow, guidance_session),
        registered_at=place.registered_at,
        language=place.preferred_language or "fi",
    )


def _state(guidance_session: GuidanceSession, now: datetime) -> str:
    try:
        _check_open(guidance_session, now)
    except WalkInClosed as exc:
        if guidance_session.status != SessionStatus.SCHEDULED.value:
            return "cancelled"
        return "not_open_yet" if exc.extra.get("not_open_yet") else "closed"
    return "open"


def waiting_counts(uow: UnitOfWork, session_ids: Sequence[int]) -> dict[int, int]:
    """How many wait in each of these sessions (for a list of sessions the caller may see)."""
    rows = uow.session.execute(
        select(col(WalkInPlace.session_id), func.count())
        .where(
            col(WalkInPlace.session_id).in_(list(session_ids)),
            col(WalkInPlace.status) == WalkInStatus.WAITING.value,
        )
        .group_by(col(WalkInPlace.session_id))
    )
    return {session_id: int(count) for session_id, count in rows}


def _own_walk_in_session(uow: UnitOfWork, principal: Principal, session_id: int) -> GuidanceSession:
    """The session, for its instructor (or an instructor of its station): they call the numbers."""
    access.require_role(principal, Role.INSTRUCTOR)
    guidance_session = _walk_in_session(uow, principal, session_id)
    if not _calls_numbers(uow, principal, guidance_session):
        raise RecordNotFound(f"no session {session_id} of yours")
    return guidance_session


def _calls_numbers(uow: UnitOfWork, principal: Principal, guidance_session: GuidanceSession) -> bool:
    """The session's own instructor, or one of its station (Lohja's two take turns)."""
    return (
        guidance_session.worker_id == organisations.own_worker_id(uow, principal)
        or guidance_session.station_id in principal.station_ids
    )


def call_next_walk_in(uow: UnitOfWork, *, principal: Principal, session_id: int) -> QueueEntry:
    """The instructor calls the first in the waiting line."""
    now = uow.now
    _own_walk_in_session(uow, principal, session_id)
    place = _advance(
        uow, session_id, WalkInStatus.WAITING, WalkInStatus.CALLED, called_at=now, called_by=principal.user_id
    )
    if place is None:
        raise WalkInQueueEmpty(f"nobody is waiting in session {session_id}")
    return _entries(uow, session_id, [place])[0]


def return_to_queue(uow: UnitOfWork, *, principal: Principal, session_id: int, place_id: int) -> QueueEntry:
    """A called client did not answer ("ei vastannut"): back in the line, behind those
    waiting now, with the same number. Only a called place whose outcome is not recorded
    can go back; the call is forgotten, so the place is off the worklist of missing outcomes."""
    now = uow.now
    _own_walk_in_session(uow, principal, session_id)
    place = uow.session.get(WalkInPlace, place_id)
    if place is None or place.session_id != session_id or place.status == WalkInStatus.FREE.value:
        raise RecordNotFound(f"no walk-in {place_id} in session {session_id}")
    moved = _move(
        uow,
        place_id,
        (WalkInStatus.CALLED,),
        WalkInStatus.WAITING,
        called_at=None,
        called_by=None,
        queued_at=_line_end(uow, session_id, now),
    )
    if not moved:
        uow.rollback()
        state = uow.session.scalar(select(col(WalkInPlace.status)).where(col(WalkInPlace.id) == place_id))
        raise BookingStateInvalid(
            f"walk-in {place_id} is {state}: only a called client whose outcome is not recorded "
            "can be put back in the queue",
            walk_in_status=state,
        )
    uow.commit()
    log.info("walk-in back in the queue", extra={"session_id": session_id, "place_id": place_id})
    place = uow.session.get(WalkInPlace, place_id)
    assert place is not None
    return _entries(uow, session_id, [place])[0]


def mark_walk_in_seen(uow: UnitOfWork, place_id: int) -> None:
    """The visit's outcome is being recorded: the place is done with the line. Part of the
    caller's transaction; refused when the client was put back in the line meanwhile."""
    if not _move(uow, place_id, (WalkInStatus.CALLED, WalkInStatus.SEEN), WalkInStatus.SEEN):
        raise BookingStateInvalid(
            f"walk-in {place_id} is not called (back in the queue?): its outcome waits for the call"
        )


__all__ = [
    "Queue",
    "QueueEntry",
    "WalkInDesk",
    "WalkInQueueEmpty",
    "call_next_walk_in",
    "mark_walk_in_seen",
    "register_walk_in",
    "return_to_queue",
    "waiting_counts",
    "walk_in_desk",
    "walk_in_queue",
]
