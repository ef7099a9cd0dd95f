"""Use cases for changing session rules going forward: list them, end one from a day on.

A rule is never edited in place: its past sessions stay as they were. Ending it
stops generation after the day before ``from_date`` and cancels its later
sessions; a replacement rule (the changed hours, station, length…) may start
from that day in the same transaction, so the change happens whole or not at all.
"""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import cast

import msgspec
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError, InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Station, Worker
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus, WalkInStatus
from sotesilta.core.scheduling.domain.sessions import SessionMode, SessionStatus
from sotesilta.core.scheduling.service.sessions import (
    DEFAULT_HORIZON,
    SESSION_CANCEL_REASON,
    SessionRuleDraft,
    add_session_rule,
    cancel_sessions,
    orphan_bookings,
)
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, SessionRule, WalkInPlace

log = logging.getLogger("sotesilta.sessions")
#: why a session or booking was cancelled, for the feeds and the worklists
RULE_ENDED = "rule ended"


class SessionRuleHasBookings(DomainError):
    """Ending the rule would cancel booked visits, and the caller did not say to orphan them."""

    kind = "conflict"
    code = "session-rule-has-bookings"
    title = "The rule's later sessions have bookings"


class RuleView(msgspec.Struct, frozen=True):
    """A session rule of the admin's municipalities, with its upcoming sessions and bookings."""

    id: int
    worker_id: int
    worker_name: str
    station_id: int
    station_key: str
    municipality_code: str
    weekday: int
    start: time
    end: time
    interval_weeks: int
    first_date: date
    until: date | None
    slot_minutes: int
    breaks: str
    booked_slots: bool
    walk_in_start: time | None
    walk_in_end: time | None
    walk_in_capacity: int
    mode: SessionMode
    video_link: str | None
    active: bool
    #: scheduled sessions still to come, and their booked visits
    upcoming_sessions: int
    upcoming_bookings: int


def list_session_rules(uow: UnitOfWork, *, principal: Principal) -> list[RuleView]:
    """The rules of my municipalities' stations, by worker, weekday and first day (a worker's
    rotation between stations reads as consecutive rows)."""
    now = uow.now
    access.require_role(principal, Role.ADMIN, Role.INSTRUCTOR)
    upcoming = (
        select(func.count())
        .where(
            col(GuidanceSession.rule_id) == col(SessionRule.id),
            col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
            col(GuidanceSession.ends_at) > now,
        )
        .scalar_subquery()
    )
    booked = (
        select(func.count())
        .select_from(Booking)
        .join(GuidanceSession, col(GuidanceSession.id) == col(Booking.session_id))
        .where(
            col(GuidanceSession.rule_id) == col(SessionRule.id),
            col(GuidanceSession.ends_at) > now,
            col(Booking.status) == AppointmentStatus.BOOKED.value,
        )
        .scalar_subquery()
    )
    query = (
        select(
            SessionRule,
            col(Worker.display_name),
            col(Station.key),
            col(Station.municipality_code),
            upcoming,
            booked,
        )
        .join(Station, col(Station.id) == col(SessionRule.station_id))
        .join(Worker, col(Worker.id) == col(SessionRule.worker_id))
        .where(col(Station.municipality_code).in_(principal.municipalities))
        .order_by(
            col(Worker.display_name),
            col(SessionRule.worker_id),
            col(SessionRule.weekday),
            col(SessionRule.first_date),
        )
    )
    return [
        RuleView(
            r.id or 0,
            r.worker_id,
            worker_name,
            r.station_id,
            key,
            municipality,
            r.weekday,
            r.start_local,
            r.end_local,
            r.interval_weeks,
            r.first_date,
            r.until_date,
            r.slot_minutes,
            r.breaks,
            r.booked_slots,
            r.walk_in_start,
            r.walk_in_end,
            r.walk_in_capacity,
            SessionMode(r.mode),
            r.video_link,
            r.active,
            int(n_upcoming or 0),
            int(n_booked or 0),
        )
        for r, worker_name, key, municipality, n_upcoming, n_booked in uow.session.execute(query)
    ]


def rule_in_scope(uow: UnitOfWork, principal: Principal, rule_id: int) -> SessionRule:
    """A rule at a station of my municipalities, of a worker I may manage; others are not found."""
    rule = uow.session.get(SessionRule, rule_id)
    if rule is None:
        raise RecordNotFound(f"no session rule {rule_id}")
    organisations.station_in_scope(uow, principal, rule.station_id)
    worker = organisations.worker_in_scope(uow, principal, rule.worker_id)
    organisations.may_manage_worker(uow, principal, worker)
    return rule


class RuleEnded(msgspec.Struct, frozen=True, rename={"rule_id": "id"}):
    """What ending a rule did (``rule_id`` is sent as ``id``)."""

    rule_id: int
    #: the rule's last day, now
    until: date
    cancelled_sessions: int
    orphaned_bookings: int
    #: sessions left scheduled: a booking came in while the rule was being ended
    kept_sessions: int
    replacement_id: int | None = None
    replacement_sessions: int = 0


def end_session_rule(
    uow: UnitOfWork,
    *,
    principal: Principal,
    rule_id: int,
    from_date: date,
    orphan: bool = False,
    replacement: SessionRuleDraft | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> RuleEnded:
    """End a rule from ``from_date`` on (Helsinki days): no sessions on or after it.

    Its later sessions are cancelled. Booked visits in them are never dropped
    silently: without ``orphan`` the rule is refused with ``SessionRuleHasBookings``;
    with it they are cancelled onto the bookers' times-to-rebook worklist, as an
    absence does. A taken walk-in place cannot be rebooked, so it always refuses.
    A session that gains a booking while this runs is kept, with its booking.
    """
    now = uow.now
    rule = rule_in_scope(uow, principal, rule_id)
    today = now.astimezone(HELSINKI).date()
    if from_date < today:
        raise InputInvalid("a rule can be ended from today on, not in the past", field="from_date")
    if rule.until_date is not None and from_date > rule.until_date:
        raise InputInvalid(f"the rule already ends on {rule.until_date.isoformat()}", field="from_date")
    session = uow.session
    later = and_(
        col(GuidanceSession.rule_id) == rule.id,
        col(GuidanceSession.local_date) >= from_date,
        col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
        # a session already under way is left to finish
        col(GuidanceSession.starts_at) > now,
    )
    # locked: a booking racing this either commits first (and is counted and kept or
    # orphaned below) or waits and finds its session cancelled (bookings._claim_session)
    found = session.scalars(select(col(GuidanceSession.id)).where(later).with_for_update())
    affected = cast("list[int]", list(found))  # primary keys read back are never None
    bookings = _count(
        uow, col(Booking.session_id).in_(affected), col(Booking.status) == AppointmentStatus.BOOKED.value
    )
    walk_ins = _count_walk_ins(uow, affected)
    if walk_ins:
        raise SessionRuleHasBookings(
            f"{walk_ins} walk-in client(s) are registered in the rule's later sessions", walk_ins=walk_ins
        )
    if bookings and not orphan:
        raise SessionRuleHasBookings(
            f"the rule's later sessions have {bookings} booking(s): rebook them or have them orphaned",
            bookings=bookings,
        )
    if orphan:
        orphaned = orphan_bookings(uow, col(Booking.session_id).in_(affected), reason=RULE_ENDED)
        cancelled = affected
    else:
        # only sessions still without a booking: one booked meanwhile is kept, never lost
        has_booking = (
            select(col(Booking.id))
            .where(
                col(Booking.session_id) == col(GuidanceSession.id),
                col(Booking.status) == AppointmentStatus.BOOKED.value,
            )
            .exists()
        )
        orphaned = 0
        cancelled = list(
            session.scalars(
                update(GuidanceSession)
                .where(later, col(GuidanceSession.id).in_(affected), ~has_booking)
                .values(
                    status=SessionStatus.CANCELLED.value,
                    cancel_reason=uow.sealer.seal(RULE_ENDED, context=SESSION_CANCEL_REASON),
                    sequence=col(GuidanceSession.sequence) + 1,
                    updated_at=now,
                )
                .returning(col(GuidanceSession.id))
            )
        )
    if orphan:
        cancel_sessions(uow, cancelled, reason=RULE_ENDED)
    rule.until_date = from_date - timedelta(days=1)
    # a rule ended before its first day makes nothing: out of the daily generation
    rule.active = rule.until_date >= rule.first_date
    session.add(rule)
    session.flush()
    ended = RuleEnded(rule.id or 0, rule.until_date, len(cancelled), orphaned, len(affected) - len(cancelled))
    if replacement is not None:
        ended = _start_replacement(uow, principal, ended, replacement, from_date, horizon)
    uow.commit()
    log.info(
        "session rule ended",
        extra={"rule_id": rule.id, "cancelled": ended.cancelled_sessions, "orphaned": orphaned},
    )
    return ended


def _start_replacement(
    uow: UnitOfWork,
    principal: Principal,
    ended: RuleEnded,
    draft: SessionRuleDraft,
    from_date: date,
    horizon: timedelta,
) -> RuleEnded:
    if draft.first_date < from_date:
        raise InputInvalid("the new rule starts on or after the old one ends", field="first_date")
    organisations.station_in_scope(uow, principal, draft.station_id)
    worker = organisations.worker_in_scope(uow, principal, draft.worker_id)
    organisations.may_manage_worker(uow, principal, worker)
    new_rule, created = add_session_rule(uow, draft=draft, created_by=principal.user_id, horizon=horizon)
    return RuleEnded(
        ended.rule_id,
        ended.until,
        ended.cancelled_sessions,
        ended.orphaned_bookings,
        ended.kept_sessions,
        new_rule.id,
        created,
    )


def _count(uow: UnitOfWork, *conditions: ColumnElement[bool]) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(Booking).where(*conditions)) or 0)


def _count_walk_ins(uow: UnitOfWork, session_ids: list[int]) -> int:
    query = select(func.count()).where(
        col(WalkInPlace.session_id).in_(session_ids), col(WalkInPlace.status) != WalkInStatus.FREE.value
    )
    return int(uow.session.scalar(query) or 0)
