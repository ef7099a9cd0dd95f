"""Use cases for guidance sessions: repeat rules, generation, absences, listing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import BookingModeNotAllowed, InputInvalid, SessionOverlap
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, Station, Worker
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus, CancelledBy
from sotesilta.core.scheduling.domain.sessions import (
    ClosingDayPolicy,
    SessionMode,
    SessionPattern,
    SessionStatus,
    TimeRange,
    plan_sessions,
)
from sotesilta.core.scheduling.tables import (
    Absence,
    AbsenceBooking,
    AbsenceSession,
    Booking,
    GuidanceSession,
    SessionRule,
    Slot,
    WalkInPlace,
    WorkerBusy,
)

#: sealed free text (personal data at rest): the associated data of each column
BOOKING_CANCEL_REASON = "booking.cancel_reason"
SESSION_CANCEL_REASON = "guidance_session.cancel_reason"
ABSENCE_REASON = "absence.reason"

log = logging.getLogger("sotesilta.sessions")
DEFAULT_HORIZON = timedelta(weeks=12)


@dataclass(frozen=True)
class SessionRuleDraft:
    worker_id: int
    station_id: int
    weekday: int
    start: time
    end: time
    first_date: date
    interval_weeks: int = 1
    until: date | None = None
    slot_minutes: int = 45
    breaks: tuple[tuple[time, time], ...] = ()
    booked_slots: bool = True
    walk_in: tuple[time, time] | None = None
    walk_in_capacity: int = 0
    mode: SessionMode = SessionMode.ON_SITE
    video_link: str | None = None

    def pattern(self) -> SessionPattern:
        return SessionPattern(
            weekday=self.weekday,
            hours=TimeRange(self.start, self.end),
            interval_weeks=self.interval_weeks,
            anchor=self.first_date,
            until=self.until,
            slot_minutes=self.slot_minutes,
            breaks=tuple(TimeRange(a, b) for a, b in self.breaks),
            walk_in=TimeRange(*self.walk_in) if self.walk_in else None,
            walk_in_capacity=self.walk_in_capacity,
            booked_slots=self.booked_slots,
        )


def _format_breaks(breaks: tuple[tuple[time, time], ...]) -> str:
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in breaks)


def _parse_breaks(text: str) -> tuple[tuple[time, time], ...]:
    pairs = []
    for part in filter(None, text.split(",")):
        a, b = part.split("-")
        pairs.append((time.fromisoformat(a), time.fromisoformat(b)))
    return tuple(pairs)


def rule_pattern(rule: SessionRule) -> SessionPattern:
    walk_in = (rule.walk_in_start, rule.walk_in_end) if rule.walk_in_start and rule.walk_in_end else None
    return SessionRuleDraft(
        worker_id=rule.worker_id,
        station_id=rule.station_id,
        weekday=rule.weekday,
        start=rule.start_local,
        end=rule.end_local,
        first_date=rule.first_date,
        interval_weeks=rule.interval_weeks,
        until=rule.until_date,
        slot_minutes=rule.slot_minutes,
        breaks=_parse_breaks(rule.breaks),
        booked_slots=rule.booked_slots,
        walk_in=walk_in,
        walk_in_capacity=rule.walk_in_capacity,
        mode=SessionMode(rule.mode),
        video_link=rule.video_link,
    ).pattern()


def _check_station_mode(station: Station, pattern: SessionPattern) -> None:
    mode = BookingMode(station.booking_mode)
    if mode is BookingMode.BOOKED and pattern.walk_in is not None:
        raise BookingModeNotAllowed(
            f"{station.name_fi} takes booked visits only: no walk-in time", field="walk_in"
        )
    if mode is BookingMode.WALK_IN and pattern.booked_slots:
        raise BookingModeNotAllowed(
            f"{station.name_fi} takes walk-ins only: no booked slots", field="booked_slots"
        )


def closing_policy(registry: MunicipalityRegistry, municipality_code: str) -> ClosingDayPolicy:
    profile = registry.get(municipality_code)
    return profile.closing_days if profile else ClosingDayPolicy()


def create_session_rule(
    uow: UnitOfWork,
    *,
    principal: Principal,
    draft: SessionRuleDraft,
    horizon: timedelta = DEFAULT_HORIZON,
) -> tuple[SessionRule, int]:
    """Save a rule and generate its sessions for the horizon; refuse overlaps.

    Admins of the station's municipality, or the worker themself, may do this.
    """
    organisations.station_in_scope(uow, principal, draft.station_id)
    worker = organisations.worker_in_scope(uow, principal, draft.worker_id)
    organisations.may_manage_worker(uow, principal, worker)
    return save_session_rule(uow, draft=draft, created_by=principal.user_id, horizon=horizon)


def save_session_rule(
    uow: UnitOfWork,
    *,
    draft: SessionRuleDraft,
    created_by: int,
    horizon: timedelta = DEFAULT_HORIZON,
) -> tuple[SessionRule, int]:
    """The rule itself, once the caller is authorised (the demo loader calls this too)."""
    rule, created = add_session_rule(uow, draft=draft, created_by=created_by, horizon=horizon)
    uow.commit()
    log.info("session rule created", extra={"rule_id": rule.id, "sessions": created})
    return rule, created


def add_session_rule(
    uow: UnitOfWork,
    *,
    draft: SessionRuleDraft,
    created_by: int,
    horizon: timedelta = DEFAULT_HORIZON,
) -> tuple[SessionRule, int]:
    """Save a rule and generate its sessions, uncommitted (ending a rule commits its replacement with it)."""
    registry, now = uow.plugins.municipalities, uow.now
    pattern = draft.pattern()
    station = uow.session.get(Station, draft.station_id)
    worker = uow.session.get(Worker, draft.worker_id)
    if station is None or not station.active:
        raise InputInvalid("no such active station", field="station_id")
    if worker is None:
        raise InputInvalid("no such worker", field="worker_id")
    _check_station_mode(station, pattern)
    if draft.mode is SessionMode.REMOTE and not draft.video_link:
        raise InputInvalid("a remote session needs a video link", field="video_link")
    if draft.video_link and not draft.video_link.startswith("https://"):
        raise InputInvalid("the video link must be an https:// address", field="video_link")
    rule = SessionRule(
        worker_id=worker.id or 0,
        station_id=station.id or 0,
        weekday=draft.weekday,
        start_local=draft.start,
        end_local=draft.end,
        interval_weeks=draft.interval_weeks,
        first_date=draft.first_date,
        until_date=draft.until,
        slot_minutes=draft.slot_minutes,
        breaks=_format_breaks(draft.breaks),
        booked_slots=draft.booked_slots,
        walk_in_start=draft.walk_in[0] if draft.walk_in else None,
        walk_in_end=draft.walk_in[1] if draft.walk_in else None,
        walk_in_capacity=draft.walk_in_capacity,
        mode=draft.mode.value,
        video_link=draft.video_link,
        created_by=created_by,
        created_at=now,
    )
    uow.session.add(rule)
    uow.session.flush()
    created = generate_sessions(
        uow,
        rule,
        pattern,
        until=(now + horizon).astimezone(HELSINKI).date(),
        closing=closing_policy(registry, station.municipality_code),
    )
    return rule, created


def generate_sessions(
    uow: UnitOfWork,
    rule: SessionRule,
    pattern: SessionPattern,
    *,
    until: date,
    closing: ClosingDayPolicy,
    skip_overlaps: bool = False,
) -> int:
    """Insert the rule's sessions up to ``until`` (exclusive) that do not exist yet.

    Sessions already past are not created. An overlap with the worker's other
    sessions is refused by the database: reported with its date (a new rule is
    refused whole), or, when extending the horizon, skipped and logged.
    """
    now = uow.now
    session = uow.session
    start = max(rule.generated_until or rule.first_date, now.astimezone(HELSINKI).date())
    existing = set(
        session.scalars(
            select(col(GuidanceSession.local_date)).where(col(GuidanceSession.rule_id) == rule.id)
        )
    )
    created = 0
    for planned in plan_sessions(pattern, start, until, closing):
        if planned.day in existing or planned.ends_at <= now:
            continue
        statement = (
            insert(GuidanceSession)
            .values(
                rule_id=rule.id,
                worker_id=rule.worker_id,
                station_id=rule.station_id,
                local_date=planned.day,
                starts_at=planned.starts_at,
                ends_at=planned.ends_at,
                walk_in_starts_at=planned.walk_in_starts_at,
                walk_in_ends_at=planned.walk_in_ends_at,
                walk_in_capacity=pattern.walk_in_capacity,
                mode=rule.mode,
                video_link=rule.video_link,
                status=SessionStatus.SCHEDULED.value,
                updated_at=now,  # a feed's LAST-MODIFIED: when it was made
            )
            .returning(col(GuidanceSession.id))
        )
        try:
            if skip_overlaps:
                with session.begin_nested():
                    session_id = session.execute(statement).scalar_one()
            else:
                session_id = session.execute(statement).scalar_one()
        except IntegrityError as exc:
            if "overlap" not in str(exc.orig).lower():
                raise
            if skip_overlaps:
                log.warning(
                    "session skipped: overlaps the worker's other sessions",
                    extra={"rule_id": rule.id, "date": planned.day.isoformat()},
                )
                continue
            raise SessionOverlap(
                f"the worker already has a session overlapping {planned.day.isoformat()}",
                date=planned.day.isoformat(),
            ) from None
        if planned.slots:
            session.execute(
                insert(Slot),
                [
                    {
                        "session_id": session_id,
                        "station_id": rule.station_id,
                        "worker_id": rule.worker_id,
                        "starts_at": a,
                        "ends_at": b,
                    }
                    for a, b in planned.slots
                ],
            )
        if pattern.walk_in_capacity:
            session.execute(
                insert(WalkInPlace),
                [
                    {"session_id": session_id, "number": n, "status": "free"}
                    for n in range(1, pattern.walk_in_capacity + 1)
                ],
            )
        created += 1
    rule.generated_until = max(until, rule.generated_until or until)
    session.add(rule)
    return created


def extend_horizon(uow: UnitOfWork, *, horizon: timedelta = DEFAULT_HORIZON) -> int:
    """Roll every active rule forward to ``now + horizon`` (run daily)."""
    registry, now = uow.plugins.municipalities, uow.now
    until = (now + horizon).astimezone(HELSINKI).date()
    total = 0
    rules = list(uow.session.scalars(select(SessionRule).where(col(SessionRule.active).is_(True))))
    for rule in rules:
        if rule.generated_until and rule.generated_until >= until:
            continue
        station = uow.session.get(Station, rule.station_id)
        assert station is not None
        total += generate_sessions(
            uow,
            rule,
            rule_pattern(rule),
            until=until,
            closing=closing_policy(registry, station.municipality_code),
            skip_overlaps=True,
        )
    uow.commit()
    return total


class SessionView(msgspec.Struct, frozen=True):
    """A generated session with its station, walk-in time and how many of its slots are booked."""

    id: int
    rule_id: int | None
    worker_id: int
    worker_name: str
    station_id: int
    station_key: str
    starts_at: datetime
    ends_at: datetime
    walk_in_starts_at: datetime | None
    walk_in_ends_at: datetime | None
    walk_in_capacity: int
    mode: SessionMode
    video_link: str | None
    status: SessionStatus
    cancel_reason: str | None
    slots: int
    booked: int


def list_sessions(
    uow: UnitOfWork,
    *,
    principal: Principal,
    start: datetime,
    end: datetime,
    station_id: int | None = None,
    worker_id: int | None = None,
) -> list[SessionView]:
    if end <= start or end - start > timedelta(days=366):
        raise InputInvalid("the period must be positive and at most a year", field="until")
    slots = select(func.count()).where(col(Slot.session_id) == col(GuidanceSession.id)).scalar_subquery()
    booked = (
        select(func.count())
        .where(
            col(Booking.session_id) == col(GuidanceSession.id),
            col(Booking.status) == AppointmentStatus.BOOKED.value,
        )
        .scalar_subquery()
    )
    query = (
        select(GuidanceSession, col(Worker.display_name), col(Station.key), slots, booked)
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .join(Worker, col(Worker.id) == col(GuidanceSession.worker_id))
        .where(
            col(Station.municipality_code).in_(principal.municipalities),
            col(GuidanceSession.starts_at) < end,
            col(GuidanceSession.ends_at) > start,
        )
        .order_by(col(GuidanceSession.starts_at), col(GuidanceSession.id))
    )
    if station_id is not None:
        query = query.where(col(GuidanceSession.station_id) == station_id)
    if worker_id is not None:
        query = query.where(col(GuidanceSession.worker_id) == worker_id)
    return [
        SessionView(
            s.id or 0,
            s.rule_id,
            s.worker_id,
            worker_name,
            s.station_id,
            key,
            s.starts_at,
            s.ends_at,
            s.walk_in_starts_at,
            s.walk_in_ends_at,
            s.walk_in_capacity,
            SessionMode(s.mode),
            s.video_link,
            SessionStatus(s.status),
            uow.sealer.open_optional(s.cancel_reason, context=SESSION_CANCEL_REASON),
            n_slots,
            n_booked,
        )
        for s, worker_name, key, n_slots, n_booked in uow.session.execute(query)
    ]


class AbsenceResult(msgspec.Struct, frozen=True):
    """What an absence did."""

    absence_id: int
    cancelled_sessions: int
    orphaned_bookings: int
    #: sessions the absence covers only in part: they stay, minus its times
    partly_blocked_sessions: int = 0


def _orphaned_values(uow: UnitOfWork, reason: str) -> dict[str, Any]:
    """A booked visit cancelled by the system, waiting on its booker's worklist."""
    now = uow.now
    return {
        "status": AppointmentStatus.CANCELLED.value,
        "cancelled_at": now,
        "cancelled_by": CancelledBy.SYSTEM.value,
        "cancel_reason": uow.sealer.seal(reason, context=BOOKING_CANCEL_REASON),
        "orphaned_at": now,
        "updated_at": now,
        "sequence": col(Booking.sequence) + 1,
    }


def orphan_bookings(uow: UnitOfWork, condition: Any, *, reason: str) -> int:
    """Cancel the booked visits matching ``condition`` for the system and put them on the
    worklist of the staff who booked them (times to rebook); how many."""
    result = uow.session.execute(
        update(Booking)
        .where(and_(condition, col(Booking.status) == AppointmentStatus.BOOKED.value))
        .values(**_orphaned_values(uow, reason))
    )
    return int(cast("CursorResult[Any]", result).rowcount or 0)  # an UPDATE's result


def cancel_sessions(uow: UnitOfWork, session_ids: list[int], *, reason: str) -> None:
    """Cancelled, not deleted: calendar feeds keep them as cancelled events for a while."""
    now = uow.now
    if session_ids:
        uow.session.execute(
            update(GuidanceSession)
            .where(col(GuidanceSession.id).in_(session_ids))
            .values(
                status=SessionStatus.CANCELLED.value,
                cancel_reason=uow.sealer.seal(reason, context=SESSION_CANCEL_REASON),
                sequence=col(GuidanceSession.sequence) + 1,
                updated_at=now,
            )
        )


def _covers_whole(session: GuidanceSession, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether an absence leaves nothing of the session: it spans the session, or it overlaps the
    walk-in time (a walk-in queue's places cannot be split by the hour)."""
    if starts_at <= session.starts_at and ends_at >= session.ends_at:
        return True
    walk_in_start, walk_in_end = session.walk_in_starts_at, session.walk_in_ends_at
    return (
        walk_in_start is not None
        and walk_in_end is not None
        and (walk_in_start < ends_at and walk_in_end > starts_at)
    )


@dataclass(frozen=True)
class AbsencePlan:
    """What an absence of a worker would do now: the sessions it cancels whole, those it
    closes in part (the times in the absence), and the booked visits it cancels."""

    whole: list[GuidanceSession]
    partly: list[GuidanceSession]
    booking_ids: list[int]


def absence_bookings(whole: list[int], partly: list[int], starts_at: datetime, ends_at: datetime) -> Any:
    """The bookings an absence takes: all of a session it cancels, those in its times of a
    session it covers in part."""
    return or_(
        col(Booking.session_id).in_(whole),
        and_(
            col(Booking.session_id).in_(partly),
            col(Booking.starts_at) < ends_at,
            col(Booking.ends_at) > starts_at,
        ),
    )


def plan_absence(
    uow: UnitOfWork, *, worker_id: int, starts_at: datetime, ends_at: datetime, lock: bool = False
) -> AbsencePlan:
    """The worker's scheduled sessions the absence touches and the booked visits in them;
    ``lock``: for recording it (the sessions are locked, see ``record_absence``)."""
    query = (
        select(GuidanceSession)
        .where(
            col(GuidanceSession.worker_id) == worker_id,
            col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
            col(GuidanceSession.starts_at) < ends_at,
            col(GuidanceSession.ends_at) > starts_at,
            col(GuidanceSession.ends_at) > uow.now,
        )
        .order_by(col(GuidanceSession.starts_at))
    )
    # a booking racing this absence either commits first (and is orphaned by it) or
    # waits and finds the session cancelled or the time blocked (bookings._claim_session)
    overlapping = list(uow.session.scalars(query.with_for_update() if lock else query))
    whole = [s for s in overlapping if _covers_whole(s, starts_at, ends_at)]
    partly = [s for s in overlapping if not _covers_whole(s, starts_at, ends_at)]
    booking_ids = list(
        uow.session.scalars(
            select(col(Booking.id))
            .where(
                absence_bookings([s.id or 0 for s in whole], [s.id or 0 for s in partly], starts_at, ends_at),
                col(Booking.status) == AppointmentStatus.BOOKED.value,
            )
            .order_by(col(Booking.starts_at), col(Booking.id))
        )
    )
    return AbsencePlan(whole, partly, cast("list[int]", booking_ids))


def check_absence(
    uow: UnitOfWork,
    principal: Principal,
    *,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> Worker:
    """The worker, once the absence is well-formed and theirs to record."""
    if ends_at <= starts_at:
        raise InputInvalid("the absence ends before it starts", field="ends_at")
    if not reason.strip() or len(reason) > 200:
        raise InputInvalid("reason must be 1-200 characters", field="reason")
    worker = organisations.worker_in_scope(uow, principal, worker_id)
    organisations.may_manage_worker(uow, principal, worker)
    return worker


def record_absence(
    uow: UnitOfWork,
    *,
    principal: Principal,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> AbsenceResult:
    """Cancel the worker's sessions in the period; their bookings become orphaned.

    A session the absence covers only in part (say, the afternoon of a day-long
    session) stays: only the bookings overlapping the absence are orphaned, and
    a busy block (source ``absence:<id>``) keeps its times in the absence from
    being booked. Orphaned bookings are cancelled by the system and wait on the
    worklist of the staff who booked them, until each is rebooked or dismissed.
    The absence keeps which sessions and bookings it took, so it can be undone.
    """
    now = uow.now
    check_absence(uow, principal, worker_id=worker_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
    session = uow.session
    absence = Absence(
        worker_id=worker_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=uow.sealer.seal(reason.strip(), context=ABSENCE_REASON),
        recorded_by=principal.user_id,
        recorded_at=now,
    )
    session.add(absence)
    session.flush()
    assert absence.id is not None
    plan = plan_absence(uow, worker_id=worker_id, starts_at=starts_at, ends_at=ends_at, lock=True)
    whole = [s.id or 0 for s in plan.whole]
    partly = [s.id or 0 for s in plan.partly]
    cancel_sessions(uow, whole, reason="absence")
    orphaned: list[int] = []
    if whole or partly:
        orphaned = list(
            session.scalars(
                update(Booking)
                .where(absence_bookings(whole, partly, starts_at, ends_at))
                .where(col(Booking.status) == AppointmentStatus.BOOKED.value)
                .values(**_orphaned_values(uow, "instructor absent"))
                .returning(col(Booking.id))
            )
        )
    if partly:
        # free-slot search and booking skip slots under a busy block
        session.add(
            WorkerBusy(
                worker_id=worker_id, source=f"absence:{absence.id}", starts_at=starts_at, ends_at=ends_at
            )
        )
    session.add_all(
        [AbsenceSession(absence_id=absence.id, session_id=i, whole=True) for i in whole]
        + [AbsenceSession(absence_id=absence.id, session_id=i, whole=False) for i in partly]
        + [AbsenceBooking(absence_id=absence.id, booking_id=i) for i in orphaned]
    )
    session.flush()
    uow.commit()
    log.info(
        "absence recorded",
        extra={
            "absence_id": absence.id,
            "worker_id": worker_id,
            "sessions": len(whole),
            "partly": len(partly),
            "orphaned": len(orphaned),
        },
    )
    return AbsenceResult(absence.id, len(whole), len(orphaned), len(partly))
