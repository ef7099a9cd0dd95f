"""Visit outcomes: what happened at a guidance meeting, with corrections kept.

Statistics read from here. An outcome is never recorded automatically: a past
visit without one waits on the instructor's worklist.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy import delete, insert, select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import (
    BookingStateInvalid,
    CodeUnknown,
    DomainError,
    InputInvalid,
    NotStartedYet,
    RecordNotFound,
)
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins.registry import CodeListRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.public import (
    OUTCOME_STATUS,
    AppointmentStatus,
    Booking,
    CancelledBy,
    GuidanceSession,
    ReferralMode,
    Referrer,
    VisitOutcome,
    WalkInPlace,
    WalkInStatus,
    mark_walk_in_seen,
    no_visit,
)
from sotesilta.core.visits.tables import Visit, VisitReferral, VisitRevision

log = logging.getLogger("sotesilta.visits")
#: sealed (personal data at rest): to whom an SHL notification went may name a person, and a
#: correction's snapshot keeps the replaced value
SHL_NOTIFICATION_TO = "visit.shl_notification_to"
SNAPSHOT = "visit_revision.snapshot"


class RevisionStale(DomainError):
    kind = "conflict"
    code = "revision-stale"
    title = "Changed by someone else meanwhile"


class VisitReferralView(msgspec.Struct, frozen=True, kw_only=True):
    """An onward referral made at a visit: to what (code list referral_target), and how."""

    target: str
    mode: ReferralMode


class OutcomeRecord(msgspec.Struct, frozen=True):
    """What happened at a visit, as recorded (or corrected)."""

    outcome: VisitOutcome
    topic: str | None = None
    referrals: tuple[VisitReferralView, ...] = ()
    shl_notification_to: str | None = None
    network_meeting_coordinated: bool = False
    follow_up_needed: bool = False


#: what a visit is of: a booked time or a walk-in
VisitKind = Literal["booking", "walk_in"]


class VisitView(msgspec.Struct, frozen=True, kw_only=True):
    """The recorded outcome of a booked visit or a walk-in, in its current revision."""

    id: int
    booking_id: int | None
    walk_in_id: int | None
    occurred_at: datetime
    outcome: VisitOutcome
    topic: str | None
    referrals: tuple[VisitReferralView, ...]
    shl_notification_to: str | None
    network_meeting_coordinated: bool
    follow_up_needed: bool
    revision: int


@dataclass(frozen=True)
class _Source:
    booking: Booking | None
    place: WalkInPlace | None
    municipality: str
    station_id: int
    worker_id: int
    occurred_at: datetime
    referrer: str


def _validate(record: OutcomeRecord, codes: CodeListRegistry, municipality: str) -> None:
    if record.outcome is VisitOutcome.REALISED and not record.topic:
        raise InputInvalid("a realised visit needs its main topic", field="topic")
    if record.topic is not None:
        topics = {e.code for e in codes.entries("topic", municipality)}
        if record.topic not in topics:
            raise CodeUnknown(f"unknown topic {record.topic!r}", field="topic")
    targets = {e.code for e in codes.entries("referral_target", municipality)}
    named = [r.target for r in record.referrals]
    if len(named) != len(set(named)):
        raise InputInvalid("a referral target appears twice", field="referrals")
    unknown = sorted(set(named) - targets)
    if unknown:
        raise CodeUnknown(f"unknown referral target(s): {', '.join(unknown)}", field="referrals")
    if record.outcome is not VisitOutcome.REALISED and (
        record.referrals or record.shl_notification_to or record.network_meeting_coordinated
    ):
        raise InputInvalid("referrals and notifications belong to realised visits", field="outcome")
    if record.shl_notification_to is not None and not 1 <= len(record.shl_notification_to.strip()) <= 200:
        raise InputInvalid(
            "say to whom the SHL notification went (1-200 characters)", field="shl_notification_to"
        )


def _source(uow: UnitOfWork, principal: Principal, booking_id: int | None, walk_in_id: int | None) -> _Source:
    now = uow.now
    own_worker = organisations.own_worker_id(uow, principal)

    def mine(worker_id: int, station_id: int, municipality: str) -> bool:
        return municipality in principal.municipalities and (
            worker_id == own_worker or station_id in principal.station_ids
        )

    if booking_id is not None:
        booking = uow.session.get(Booking, booking_id)
        if booking is None or not mine(booking.worker_id, booking.station_id, booking.municipality_code):
            raise RecordNotFound(f"no booking {booking_id}")
        if booking.starts_at > now:
            raise NotStartedYet(f"booking {booking_id} has not started yet")
        if booking.status in (
            AppointmentStatus.CANCELLED.value,
            AppointmentStatus.ENTERED_IN_ERROR.value,
        ) and (not booking.late_cancellation):
            raise BookingStateInvalid(f"booking {booking_id} was cancelled in time: there was no visit")
        return _Source(
            booking,
            None,
            booking.municipality_code,
            booking.station_id,
            booking.worker_id,
            booking.starts_at,
            booking.referrer,
        )
    assert walk_in_id is not None
    row = uow.session.execute(
        select(WalkInPlace, GuidanceSession, col(Station.municipality_code))
        .join(GuidanceSession, col(GuidanceSession.id) == col(WalkInPlace.session_id))
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .where(col(WalkInPlace.id) == walk_in_id)
    ).first()
    if row is None or not mine(row[1].worker_id, row[1].station_id, row[2]):
        raise RecordNotFound(f"no walk-in {walk_in_id}")
    place, guidance_session, municipality = row
    if place.status == WalkInStatus.FREE.value:
        raise BookingStateInvalid(f"walk-in place {walk_in_id} was never taken")
    if place.status == WalkInStatus.WAITING.value:
        raise BookingStateInvalid(f"walk-in {walk_in_id} is waiting: its outcome follows its call")
    return _Source(
        None,
        place,
        municipality,
        guidance_session.station_id,
        guidance_session.worker_id,
        place.called_at or place.registered_at or guidance_session.starts_at,
        place.referrer or Referrer.SELF.value,
    )


def record_visit_outcome(
    uow: UnitOfWork,
    *,
    principal: Principal,
    record: OutcomeRecord,
    booking_id: int | None = None,
    walk_in_id: int | None = None,
    expected_revision: int | None = None,
) -> VisitView:
    """Record (or correct) the outcome of a booked visit or a walk-in.

    A booked visit's outcome changes the client's booking: it is logged. A
    correction that names the revision it corrects (``expected_revision``) is
    refused when someone else has corrected the visit since (``RevisionStale``);
    ``0`` means "nothing recorded yet".
    """
    plugins, now = uow.plugins, uow.now
    codes = plugins.code_lists
    access.require_role(principal, Role.INSTRUCTOR)
    if (booking_id is None) == (walk_in_id is None):
        raise InputInvalid("give exactly one of booking_id and walk_in_id", field="booking_id")
    source = _source(uow, principal, booking_id, walk_in_id)
    _validate(record, codes, source.municipality)
    if source.place is not None and record.outcome is VisitOutcome.LATE_CANCELLATION:
        raise InputInvalid("a walk-in cannot be cancelled late", field="outcome")
    session = uow.session
    visit = session.scalar(
        select(Visit).where(col(Visit.booking_id) == booking_id)
        if booking_id is not None
        else select(Visit).where(col(Visit.walk_in_id) == walk_in_id)
    )
    if expected_revision is not None and (visit.revision if visit else 0) != expected_revision:
        raise RevisionStale(
            "the outcome was changed by someone else meanwhile: look at it again",
            revision=visit.revision if visit else 0,
        )
    if visit is None:
        visit = Visit(
            booking_id=booking_id,
            walk_in_id=walk_in_id,
            municipality_code=source.municipality,
            station_id=source.station_id,
            worker_id=source.worker_id,
            occurred_at=source.occurred_at,
            referrer=source.referrer,
            outcome=record.outcome.value,
            recorded_by=principal.user_id,
            recorded_at=now,
        )
    else:
        # a correction: keep what it replaces
        session.add(
            VisitRevision(
                visit_id=visit.id or 0,
                revision=visit.revision,
                snapshot=uow.sealer.seal(json.dumps(_snapshot(uow, visit)), context=SNAPSHOT),
                changed_by=principal.user_id,
                changed_at=now,
            )
        )
        visit.revision += 1
        visit.recorded_by, visit.recorded_at = principal.user_id, now
        session.execute(delete(VisitReferral).where(col(VisitReferral.visit_id) == visit.id))
    visit.outcome = record.outcome.value
    visit.topic = record.topic
    to_whom = record.shl_notification_to.strip() if record.shl_notification_to else None
    visit.shl_notification_to = uow.sealer.seal_optional(to_whom, context=SHL_NOTIFICATION_TO)
    visit.network_meeting_coordinated = record.network_meeting_coordinated
    visit.follow_up_needed = record.follow_up_needed
    session.add(visit)
    session.flush()
    if record.referrals:
        session.execute(
            insert(VisitReferral),
            [
                {"visit_id": visit.id, "target": referral.target, "mode": referral.mode.value}
                for referral in record.referrals
            ],
        )
    if source.place is not None:
        # the place leaves the line for good, unless it went back to it meanwhile
        mark_walk_in_seen(uow, source.place.id or 0)
    if source.booking is not None:
        _apply_to_booking(source.booking, record.outcome, now)
        booking = source.booking
        if record.outcome is not VisitOutcome.REALISED:
            # no visit, no feedback link (if the client agreed to messages, it waits in the outbox)
            no_visit(uow, booking.id or 0)
        plugins.record_access(
            uow.connection,
            access.access_event(
                principal,
                AccessAction.UPDATE,
                "booking",
                booking.id or 0,
                client_id=booking.client_id,
                now=now,
                basis=AccessBasis.CLIENT_RELATIONSHIP,
            ),
        )
    uow.commit()
    log.info("visit outcome recorded", extra={"visit_id": visit.id, "revision": visit.revision})
    plugins.notify(
        DomainEvent(
            EventKind.VISIT_RECORDED,
            source.municipality,
            visit.id or 0,
            now,
            {
                "outcome": record.outcome.value,
                "topic": record.topic,
                "referrals": len(record.referrals),
                "revision": visit.revision,
                "walk_in": source.booking is None,
            },
        )
    )
    return visit_view(uow, visit)


def _apply_to_booking(booking: Booking, outcome: VisitOutcome, now: datetime) -> None:
    status = OUTCOME_STATUS[outcome]
    if booking.status == status.value:
        return
    booking.status = status.value
    if outcome is VisitOutcome.LATE_CANCELLATION:
        booking.cancelled_at = booking.cancelled_at or now
        booking.cancelled_by = booking.cancelled_by or CancelledBy.CLIENT.value
        booking.late_cancellation = True
    elif booking.late_cancellation:
        # a correction away from "late cancellation": the visit was not cancelled
        booking.cancelled_at = booking.cancelled_by = booking.cancel_reason = None
        booking.late_cancellation = False
    booking.sequence += 1
    booking.updated_at = now


def _snapshot(uow: UnitOfWork, visit: Visit) -> dict[str, object]:
    referrals = uow.session.execute(
        select(col(VisitReferral.target), col(VisitReferral.mode)).where(
            col(VisitReferral.visit_id) == visit.id
        )
    ).all()
    return {
        "outcome": visit.outcome,
        "topic": visit.topic,
        "shl_notification_to": _shl_notification_to(uow, visit),
        "network_meeting_coordinated": visit.network_meeting_coordinated,
        "follow_up_needed": visit.follow_up_needed,
        "referrals": [list(r) for r in referrals],
        "recorded_by": visit.recorded_by,
        "recorded_at": visit.recorded_at.isoformat(),
    }


def _shl_notification_to(uow: UnitOfWork, visit: Visit) -> str | None:
    return uow.sealer.open_optional(visit.shl_notification_to, context=SHL_NOTIFICATION_TO)


def visit_view(uow: UnitOfWork, visit: Visit) -> VisitView:
    referrals = tuple(
        VisitReferralView(target=t, mode=ReferralMode(m))
        for t, m in uow.session.execute(
            select(col(VisitReferral.target), col(VisitReferral.mode))
            .where(col(VisitReferral.visit_id) == visit.id)
            .order_by(col(VisitReferral.target))
        )
    )
    return VisitView(
        id=visit.id or 0,
        booking_id=visit.booking_id,
        walk_in_id=visit.walk_in_id,
        occurred_at=visit.occurred_at,
        outcome=VisitOutcome(visit.outcome),
        topic=visit.topic,
        referrals=referrals,
        shl_notification_to=_shl_notification_to(uow, visit),
        network_meeting_coordinated=visit.network_meeting_coordinated,
        follow_up_needed=visit.follow_up_needed,
        revision=visit.revision,
    )


class MissingOutcome(msgspec.Struct, frozen=True):
    """A past visit with no outcome yet (the worklist)."""

    kind: VisitKind
    id: int
    starts_at: datetime
    station_id: int
    worker_id: int


def list_missing_outcomes(uow: UnitOfWork, *, principal: Principal) -> list[MissingOutcome]:
    """Past visits of my clients or my stations that have no outcome yet."""
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    own_worker = organisations.own_worker_id(uow, principal)
    stations = list(principal.station_ids)
    session = uow.session
    bookings = session.execute(
        select(
            col(Booking.id), col(Booking.starts_at), col(Booking.station_id), col(Booking.worker_id)
        ).where(
            col(Booking.status) == AppointmentStatus.BOOKED.value,
            col(Booking.starts_at) <= now,
            col(Booking.municipality_code).in_(principal.municipalities),
            (col(Booking.worker_id) == own_worker) | col(Booking.station_id).in_(stations),
            ~select(col(Visit.id)).where(col(Visit.booking_id) == col(Booking.id)).exists(),
        )
    ).all()
    walk_ins = session.execute(
        select(
            col(WalkInPlace.id),
            col(WalkInPlace.called_at),
            col(GuidanceSession.station_id),
            col(GuidanceSession.worker_id),
        )
        .join(GuidanceSession, col(GuidanceSession.id) == col(WalkInPlace.session_id))
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .where(
            col(WalkInPlace.status) == WalkInStatus.CALLED.value,
            col(Station.municipality_code).in_(principal.municipalities),
            (col(GuidanceSession.worker_id) == own_worker) | col(GuidanceSession.station_id).in_(stations),
            ~select(col(Visit.id)).where(col(Visit.walk_in_id) == col(WalkInPlace.id)).exists(),
        )
    ).all()
    found = [
        MissingOutcome("booking", booking_id or 0, starts_at, station_id, worker_id)
        for booking_id, starts_at, station_id, worker_id in bookings
    ]
    found += [
        MissingOutcome("walk_in", place_id or 0, called_at, station_id, worker_id)
        for place_id, called_at, station_id, worker_id in walk_ins
        if called_at is not None  # calling a place sets it: always there
    ]
    return sorted(found, key=lambda m: (m.starts_at, m.kind, m.id))
