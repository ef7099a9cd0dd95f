"""Workers' absences seen before and after: what one will cancel, the list, and undo.

Recording an absence (``sessions.record_absence``) cancels the worker's
sessions in it and puts their booked visits on the bookers' lists of times to
rebook. Before it is recorded, the admin sees exactly that (``preview_absence``);
afterwards it can be undone (``undo_absence``): its sessions come back, and each
of its bookings with them unless it was rebooked or dismissed meanwhile, has
begun, or its time is no longer free. The database's one-booking-per-slot
index has the last word, so an undo never double-books a slot. What the undo
did with each session and booking is kept beside the absence, and logged.

Admins see times, stations and who booked: never the client (numbers, not people).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sotesilta.core.accounts.public import UserAccount
from sotesilta.core.kernel.errors import RecordNotFound, StateConflict
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Station, Worker
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.service.sessions import (
    ABSENCE_REASON,
    SESSION_CANCEL_REASON,
    check_absence,
    plan_absence,
)
from sotesilta.core.scheduling.tables import (
    Absence,
    AbsenceBooking,
    AbsenceSession,
    Booking,
    GuidanceSession,
    SessionRule,
    SlotHold,
    WorkerBusy,
)

log = logging.getLogger("sotesilta.absences")

#: the list shows absences that ended this long ago, and every later one
RECENT = timedelta(days=60)


class SessionOutcome(StrEnum):
    """What undoing an absence did with one of its sessions."""

    RESTORED = "restored"
    REOPENED = "reopened"  # a session it covered in part: its times are bookable again
    PAST = "past"
    OTHER_ABSENCE = "other_absence"  # another absence of the worker covers it
    OVERLAP = "overlap"  # the worker has another session at that time now
    RULE_ENDED = "rule_ended"
    STATION_CLOSED = "station_closed"
    CHANGED = "changed"  # cancelled or restored since by something else


class BookingOutcome(StrEnum):
    """What undoing an absence did with one of its bookings."""

    RESTORED = "restored"
    REBOOKED = "rebooked"
    DISMISSED = "dismissed"
    PAST = "past"
    SESSION_CANCELLED = "session_cancelled"  # its session did not come back
    OTHER_ABSENCE = "other_absence"
    WORKER_BUSY = "worker_busy"
    SLOT_TAKEN = "slot_taken"
    CHANGED = "changed"


class AffectedSession(msgspec.Struct, frozen=True):
    session_id: int
    station_id: int
    starts_at: datetime
    ends_at: datetime
    whole: bool
    undo_outcome: str | None = None


class AffectedBooking(msgspec.Struct, frozen=True):
    """A booking an absence cancels or cancelled: when, where, who booked it; never the client."""

    booking_id: int
    station_id: int
    starts_at: datetime
    ends_at: datetime
    booked_by_name: str
    undo_outcome: str | None = None


class AbsencePreview(msgspec.Struct, frozen=True):
    """What recording the absence would do now."""

    worker_id: int
    worker_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    sessions: tuple[AffectedSession, ...]
    bookings: tuple[AffectedBooking, ...]


class AbsenceView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    worker_id: int
    worker_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    recorded_by_name: str
    recorded_at: datetime
    cancelled_sessions: int
    partly_blocked_sessions: int
    cancelled_bookings: int
    #: false for absences recorded before they kept what they cancelled: not undoable
    undoable: bool
    undone_at: datetime | None
    undone_by_name: str | None
    sessions: tuple[AffectedSession, ...] = ()
    bookings: tuple[AffectedBooking, ...] = ()


def _names(uow: UnitOfWork, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = uow.session.execute(
        select(col(UserAccount.id), col(UserAccount.display_name)).where(col(UserAccount.id).in_(user_ids))
    )
    return {user_id or 0: name for user_id, name in rows}


def _affected_bookings(
    uow: UnitOfWork, ids: list[int], outcomes: dict[int, str | None]
) -> list[AffectedBooking]:
    if not ids:
        return []
    rows = list(
        uow.session.execute(
            select(
                col(Booking.id),
                col(Booking.station_id),
                col(Booking.starts_at),
                col(Booking.ends_at),
                col(Booking.booked_by),
            )
            .where(col(Booking.id).in_(ids))
            .order_by(col(Booking.starts_at), col(Booking.id))
        )
    )
    names = _names(uow, {row.booked_by for row in rows})
    return [
        AffectedBooking(
            row.id,
            row.station_id,
            row.starts_at,
            row.ends_at,
            names.get(row.booked_by, ""),
            outcomes.get(row.id),
        )
        for row in rows
    ]


def preview_absence(
    uow: UnitOfWork,
    *,
    principal: Principal,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> AbsencePreview:
    """What ``record_absence`` with the same input would cancel, were it recorded now; writes nothing."""
    worker = check_absence(
        uow, principal, worker_id=worker_id, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    plan = plan_absence(uow, worker_id=worker_id, starts_at=starts_at, ends_at=ends_at)
    affected = [
        AffectedSession(s.id or 0, s.station_id, s.starts_at, s.ends_at, whole)
        for whole, found in ((True, plan.whole), (False, plan.partly))
        for s in found
    ]
    bookings = _affected_bookings(uow, plan.booking_ids, {})
    uow.rollback()  # nothing was written; the read ends here
    return AbsencePreview(
        worker_id,
        worker.display_name,
        starts_at,
        ends_at,
        reason.strip(),
        tuple(sorted(affected, key=lambda s: (s.starts_at, s.session_id))),
        tuple(bookings),
    )


def _scope_workers(uow: UnitOfWork, principal: Principal) -> dict[int, str]:
    """The workers whose absences this person may see: those of their municipalities."""
    return {
        w.id: w.display_name for w in organisations.list_workers(uow, municipalities=principal.municipalities)
    }


def _views(
    uow: UnitOfWork, absences: list[Absence], workers: dict[int, str], *, details: bool
) -> list[AbsenceView]:
    ids = [a.id or 0 for a in absences]
    counts: dict[tuple[int, bool], int] = {}
    for absence_id, whole, n in uow.session.execute(
        select(col(AbsenceSession.absence_id), col(AbsenceSession.whole), func.count())
        .where(col(AbsenceSession.absence_id).in_(ids))
        .group_by(col(AbsenceSession.absence_id), col(AbsenceSession.whole))
    ):
        counts[(absence_id, bool(whole))] = n
    booked = dict(
        uow.session.execute(
            select(col(AbsenceBooking.absence_id), func.count())
            .where(col(AbsenceBooking.absence_id).in_(ids))
            .group_by(col(AbsenceBooking.absence_id))
        ).all()
    )
    names = _names(uow, {a.recorded_by for a in absences} | {a.undone_by for a in absences if a.undone_by})
    views = []
    for a in absences:
        sessions: list[AffectedSession] = []
        bookings: list[AffectedBooking] = []
        if details:
            sessions = [
                AffectedSession(
                    s.id or 0, s.station_id, s.starts_at, s.ends_at, link.whole, link.undo_outcome
                )
                for link, s in uow.session.execute(
                    select(AbsenceSession, GuidanceSession)
                    .join(GuidanceSession, col(GuidanceSession.id) == col(AbsenceSession.session_id))
                    .where(col(AbsenceSession.absence_id) == a.id)
                    .order_by(col(GuidanceSession.starts_at))
                )
            ]
            outcomes = dict(
                uow.session.execute(
                    select(col(AbsenceBooking.booking_id), col(AbsenceBooking.undo_outcome)).where(
                        col(AbsenceBooking.absence_id) == a.id
                    )
                ).all()
            )
            bookings = _affected_bookings(uow, list(outcomes), outcomes)
        views.append(
            AbsenceView(
                id=a.id or 0,
                worker_id=a.worker_id,
                worker_name=workers.get(a.worker_id, ""),
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                reason=uow.sealer.open(a.reason, context=ABSENCE_REASON),
                recorded_by_name=names.get(a.recorded_by, ""),
                recorded_at=a.recorded_at,
                cancelled_sessions=counts.get((a.id or 0, True), 0),
                partly_blocked_sessions=counts.get((a.id or 0, False), 0),
                cancelled_bookings=booked.get(a.id or 0, 0),
                undoable=a.tracked and a.undone_at is None,
                undone_at=a.undone_at,
                undone_by_name=names.get(a.undone_by) if a.undone_by else None,
                sessions=tuple(sessions),
                bookings=tuple(bookings),
            )
        )
    return views


def list_absences(uow: UnitOfWork, *, principal: Principal) -> list[AbsenceView]:
    """Absences of the workers of this person's municipalities, upcoming and recent (ended
    within ``RECENT``), by worker and then by time."""
    workers = _scope_workers(uow, principal)
    absences = list(
        uow.session.scalars(
            select(Absence)
            .where(col(Absence.worker_id).in_(list(workers)), col(Absence.ends_at) > uow.now - RECENT)
            .order_by(col(Absence.starts_at), col(Absence.id))
        )
    )
    views = _views(uow, absences, workers, details=False)
    return sorted(views, key=lambda v: (v.worker_name, v.worker_id, v.starts_at, v.id))


def _absence_in_scope(
    uow: UnitOfWork, principal: Principal, absence_id: int, *, lock: bool = False
) -> Absence:
    query = select(Absence).where(col(Absence.id) == absence_id)
    absence = uow.session.scalar(query.with_for_update() if lock else query)
    if absence is None:
        raise RecordNotFound(f"no absence {absence_id}")
    organisations.worker_in_scope(uow, principal, absence.worker_id)  # "not found" outside it
    return absence


def get_absence(uow: UnitOfWork, *, principal: Principal, absence_id: int) -> AbsenceView:
    """The absence with its sessions and bookings, and what undoing it did with each."""
    absence = _absence_in_scope(uow, principal, absence_id)
    worker = uow.session.get(Worker, absence.worker_id)
    workers = {absence.worker_id: worker.display_name if worker else ""}
    return _views(uow, [absence], workers, details=True)[0]


def _overlaps_any(spans: list[tuple[datetime, datetime]], starts_at: datetime, ends_at: datetime) -> bool:
    return any(a < ends_at and starts_at < b for a, b in spans)


def _session_outcome(
    uow: UnitOfWork, session: GuidanceSession, others: list[tuple[datetime, datetime]]
) -> SessionOutcome:
    """Restore a session the absence cancelled, where nothing since speaks against it."""
    if session.status != SessionStatus.CANCELLED.value:
        return SessionOutcome.CHANGED
    if uow.sealer.open_optional(session.cancel_reason, context=SESSION_CANCEL_REASON) != "absence":
        return SessionOutcome.CHANGED
    if session.ends_at <= uow.now:
        return SessionOutcome.PAST
    if _overlaps_any(others, session.starts_at, session.ends_at):
        return SessionOutcome.OTHER_ABSENCE
    station = uow.session.get(Station, session.station_id)
    if station is None or not station.active:
        return SessionOutcome.STATION_CLOSED
    rule = uow.session.get(SessionRule, session.rule_id) if session.rule_id else None
    if rule is not None and (not rule.active or (rule.until_date and session.local_date > rule.until_date)):
        return SessionOutcome.RULE_ENDED
    try:
        with uow.session.begin_nested():  # the worker's sessions never overlap: the database says so
            uow.session.execute(
                update(GuidanceSession)
                .where(col(GuidanceSession.id) == session.id)
                .values(
                    status=SessionStatus.SCHEDULED.value,
                    cancel_reason=None,
                    sequence=col(GuidanceSession.sequence) + 1,
                    updated_at=uow.now,
                )
            )
    except IntegrityError as exc:
        if "overlap" not in str(exc.orig).lower():
            raise
        return SessionOutcome.OVERLAP
    return SessionOutcome.RESTORED


def _booking_outcome(
    uow: UnitOfWork, booking: Booking, scheduled: set[int], others: list[tuple[datetime, datetime]]
) -> BookingOutcome:
    """Restore a booking the absence cancelled, where it is still waiting and its time still free."""
    now, session = uow.now, uow.session
    if booking.orphaned_at is not None and booking.orphan_resolved_at is not None:
        moved = session.scalar(select(col(Booking.id)).where(col(Booking.rescheduled_from) == booking.id))
        return BookingOutcome.REBOOKED if moved is not None else BookingOutcome.DISMISSED
    if booking.status != AppointmentStatus.CANCELLED.value or booking.orphaned_at is None:
        return BookingOutcome.CHANGED
    if booking.starts_at <= now:
        return BookingOutcome.PAST
    if booking.session_id not in scheduled:
        return BookingOutcome.SESSION_CANCELLED
    if _overlaps_any(others, booking.starts_at, booking.ends_at):
        return BookingOutcome.OTHER_ABSENCE
    busy = session.scalar(
        select(func.count()).where(
            col(WorkerBusy.worker_id) == booking.worker_id,
            col(WorkerBusy.starts_at) < booking.ends_at,
            col(WorkerBusy.ends_at) > booking.starts_at,
        )
    )
    if busy:
        return BookingOutcome.WORKER_BUSY
    held = session.scalar(
        select(func.count()).where(col(SlotHold.slot_id) == booking.slot_id, col(SlotHold.expires_at) > now)
    )
    if held:
        return BookingOutcome.SLOT_TAKEN  # someone is booking it right now
    try:
        # the partial unique index on slot-holding bookings refuses a second one: no double booking
        with session.begin_nested():
            session.execute(
                update(Booking)
                .where(col(Booking.id) == booking.id)
                .values(
                    status=AppointmentStatus.BOOKED.value,
                    cancelled_at=None,
                    cancelled_by=None,
                    cancel_reason=None,
                    late_cancellation=False,
                    orphan_resolved_at=now,  # off the booker's list of times to rebook
                    sequence=col(Booking.sequence) + 1,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return BookingOutcome.SLOT_TAKEN
    return BookingOutcome.RESTORED


def undo_absence(uow: UnitOfWork, *, principal: Principal, absence_id: int) -> AbsenceView:
    """Undo an absence: its sessions come back and those of its bookings still waiting whose
    time is free; the absence is kept, marked undone, with what became of each."""
    now, session = uow.now, uow.session
    absence = _absence_in_scope(uow, principal, absence_id, lock=True)
    worker = organisations.worker_in_scope(uow, principal, absence.worker_id)
    organisations.may_manage_worker(uow, principal, worker)
    if absence.undone_at is not None:
        raise StateConflict(f"absence {absence_id} was undone already")
    if not absence.tracked:
        raise StateConflict(f"absence {absence_id} was recorded before absences kept what they cancelled")
    # the first write: on SQLite it takes the writer lock before anything below is read
    absence.undone_at, absence.undone_by = now, principal.user_id
    session.add(absence)
    session.flush()
    session.execute(delete(WorkerBusy).where(col(WorkerBusy.source) == f"absence:{absence.id}"))
    # the worker's other absences still standing near it (a day either side holds every
    # session this one touched): what they cover stays cancelled
    others = [
        (a, b)
        for a, b in session.execute(
            select(col(Absence.starts_at), col(Absence.ends_at)).where(
                col(Absence.worker_id) == absence.worker_id,
                col(Absence.id) != absence.id,
                col(Absence.undone_at).is_(None),
                col(Absence.starts_at) < absence.ends_at + timedelta(days=1),
                col(Absence.ends_at) > absence.starts_at - timedelta(days=1),
            )
        )
    ]
    links = list(
        session.execute(
            select(AbsenceSession, GuidanceSession)
            .join(GuidanceSession, col(GuidanceSession.id) == col(AbsenceSession.session_id))
            .where(col(AbsenceSession.absence_id) == absence.id)
            .order_by(col(GuidanceSession.starts_at))
            .with_for_update(of=GuidanceSession)
        )
    )
    scheduled: set[int] = set()
    for link, guidance in links:
        if link.whole:
            outcome = _session_outcome(uow, guidance, others)
        elif guidance.status == SessionStatus.SCHEDULED.value:
            outcome = SessionOutcome.REOPENED  # its busy block is gone with the absence
        else:
            outcome = SessionOutcome.CHANGED
        link.undo_outcome = outcome.value
        session.add(link)
        if outcome in (SessionOutcome.RESTORED, SessionOutcome.REOPENED):
            scheduled.add(guidance.id or 0)
    session.flush()
    session.expire_all()  # the sessions as restored, not as first read
    booking_links = list(
        session.execute(
            select(AbsenceBooking, Booking)
            .join(Booking, col(Booking.id) == col(AbsenceBooking.booking_id))
            .where(col(AbsenceBooking.absence_id) == absence.id)
            .order_by(col(Booking.starts_at), col(Booking.id))
            .with_for_update(of=Booking)
        )
    )
    for booking_link, booking in booking_links:
        booking_link.undo_outcome = _booking_outcome(uow, booking, scheduled, others).value
        session.add(booking_link)
    session.flush()
    view = get_absence(uow, principal=principal, absence_id=absence_id)
    uow.commit()
    log.info(
        "absence undone",
        extra={
            "absence_id": absence_id,
            "by": principal.user_id,
            "sessions": {
                o.value: sum(1 for s in view.sessions if s.undo_outcome == o) for o in SessionOutcome
            },
            "bookings": {
                o.value: sum(1 for b in view.bookings if b.undo_outcome == o) for o in BookingOutcome
            },
        },
    )
    return view


__all__ = [
    "AbsencePreview",
    "AbsenceView",
    "AffectedBooking",
    "AffectedSession",
    "BookingOutcome",
    "SessionOutcome",
    "get_absence",
    "list_absences",
    "preview_absence",
    "undo_absence",
]
