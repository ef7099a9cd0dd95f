"""Reading a recorded visit outcome with its corrections, newest first.

``record_visit_outcome`` keeps what each correction replaced in ``visit_revision``
(a JSON snapshot); this turns those snapshots and the current values into one
list of versions, each with who recorded it and when.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.accounts.public import UserAccount
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.public import Booking, GuidanceSession, ReferralMode, VisitOutcome, WalkInPlace
from sotesilta.core.visits.service.outcomes import (
    SNAPSHOT,
    VisitKind,
    VisitReferralView,
    VisitView,
    visit_view,
)
from sotesilta.core.visits.tables import Visit, VisitRevision


class VisitVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a visit's outcome: the current one, or one a correction replaced."""

    revision: int
    outcome: VisitOutcome
    topic: str | None
    referrals: tuple[VisitReferralView, ...]
    shl_notification_to: str | None
    network_meeting_coordinated: bool
    follow_up_needed: bool
    recorded_by: Annotated[str, msgspec.Meta(description="display name of who recorded this version")]
    recorded_at: datetime


class VisitHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A visit's outcome and its corrections."""

    kind: VisitKind
    id: int
    station_id: int
    starts_at: datetime
    visit: Annotated[
        VisitView | None, msgspec.Meta(description="the current outcome; null when none is recorded yet")
    ]
    versions: Annotated[
        tuple[VisitVersion, ...], msgspec.Meta(description="every version, the current one first")
    ]


def _in_scope(
    uow: UnitOfWork, principal: Principal, booking_id: int | None, walk_in_id: int | None
) -> tuple[int, datetime, Booking | None]:
    """The visit's station and start, if it is mine to see (as for recording); else not found."""
    own_worker = organisations.own_worker_id(uow, principal)

    def mine(worker_id: int, station_id: int, municipality: str) -> bool:
        return municipality in principal.municipalities and (
            worker_id == own_worker or station_id in principal.station_ids
        )

    if booking_id is not None:
        booking = uow.session.get(Booking, booking_id)
        if booking is None or not mine(booking.worker_id, booking.station_id, booking.municipality_code):
            raise RecordNotFound(f"no booking {booking_id}")
        return booking.station_id, booking.starts_at, booking
    row = uow.session.execute(
        select(
            GuidanceSession,
            col(Station.municipality_code),
            col(WalkInPlace.called_at),
            col(WalkInPlace.registered_at),
        )
        .join(WalkInPlace, col(WalkInPlace.session_id) == col(GuidanceSession.id))
        .join(Station, col(Station.id) == col(GuidanceSession.station_id))
        .where(col(WalkInPlace.id) == walk_in_id)
    ).first()
    if row is None or not mine(row[0].worker_id, row[0].station_id, row[1]):
        raise RecordNotFound(f"no walk-in {walk_in_id}")
    return row[0].station_id, row[2] or row[3] or row[0].starts_at, None


def read_visit_history(
    uow: UnitOfWork,
    *,
    principal: Principal,
    booking_id: int | None = None,
    walk_in_id: int | None = None,
) -> VisitHistory:
    """The outcome of one of my visits and every earlier version of it.

    Reading a booked visit's outcome reads the client's data: it is logged.
    """
    plugins, now = uow.plugins, uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    if (booking_id is None) == (walk_in_id is None):
        raise InputInvalid("give exactly one of booking_id and walk_in_id", field="booking_id")
    station_id, starts_at, booking = _in_scope(uow, principal, booking_id, walk_in_id)
    session = uow.session
    visit = session.scalar(
        select(Visit).where(col(Visit.booking_id) == booking_id)
        if booking_id is not None
        else select(Visit).where(col(Visit.walk_in_id) == walk_in_id)
    )
    kind: VisitKind = "booking" if booking_id is not None else "walk_in"
    source_id = booking_id if booking_id is not None else walk_in_id
    if visit is None:
        return VisitHistory(
            kind=kind, id=source_id or 0, station_id=station_id, starts_at=starts_at, visit=None, versions=()
        )
    current = visit_view(uow, visit)
    revisions = session.scalars(
        select(VisitRevision)
        .where(col(VisitRevision.visit_id) == visit.id)
        .order_by(col(VisitRevision.revision).desc())
    ).all()
    snapshots = [(r.revision, json.loads(uow.sealer.open(r.snapshot, context=SNAPSHOT))) for r in revisions]
    user_ids = {visit.recorded_by, *(int(s.get("recorded_by") or 0) for _, s in snapshots)}
    names: dict[int | None, str] = {
        user_id: name
        for user_id, name in session.execute(
            select(col(UserAccount.id), col(UserAccount.display_name)).where(
                col(UserAccount.id).in_(user_ids)
            )
        )
    }
    versions = [
        VisitVersion(
            revision=visit.revision,
            outcome=current.outcome,
            topic=current.topic,
            referrals=current.referrals,
            shl_notification_to=current.shl_notification_to,
            network_meeting_coordinated=current.network_meeting_coordinated,
            follow_up_needed=current.follow_up_needed,
            recorded_by=names.get(visit.recorded_by, "?"),
            recorded_at=visit.recorded_at,
        )
    ]
    versions += [
        VisitVersion(
            revision=revision,
            outcome=VisitOutcome(str(s.get("outcome"))),
            topic=s.get("topic"),
            referrals=tuple(
                VisitReferralView(target=t, mode=ReferralMode(m))
                for t, m in sorted((str(t), str(m)) for t, m in s.get("referrals", []))
            ),
            shl_notification_to=s.get("shl_notification_to"),
            network_meeting_coordinated=bool(s.get("network_meeting_coordinated")),
            follow_up_needed=bool(s.get("follow_up_needed")),
            recorded_by=names.get(int(s.get("recorded_by") or 0), "?"),
            recorded_at=datetime.fromisoformat(str(s.get("recorded_at"))),
        )
        for revision, s in snapshots
    ]
    if booking is not None:
        plugins.record_access(
            uow.connection,
            access.access_event(
                principal,
                AccessAction.READ,
                "booking",
                booking.id or 0,
                client_id=booking.client_id,
                now=now,
                basis=AccessBasis.CLIENT_RELATIONSHIP,
            ),
        )
        uow.commit()
    return VisitHistory(
        kind=kind,
        id=source_id or 0,
        station_id=station_id,
        starts_at=starts_at,
        visit=current,
        versions=tuple(versions),
    )


class RecordedVisit(msgspec.Struct, frozen=True, kw_only=True):
    """A visit with an outcome, where a correction starts."""

    kind: str  # "booking" or "walk_in"
    id: int
    occurred_at: datetime
    station_id: int
    outcome: str
    revision: int


def list_recorded_visits(uow: UnitOfWork, *, principal: Principal, days: int = 14) -> list[RecordedVisit]:
    """Visits of my worker record or my stations with an outcome, of the last ``days`` days, newest
    first: where a correction starts. Outcomes only, no client: like the worklist, not logged."""
    now = uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    own_worker = organisations.own_worker_id(uow, principal)
    rows = uow.session.execute(
        select(
            col(Visit.booking_id),
            col(Visit.walk_in_id),
            col(Visit.occurred_at),
            col(Visit.station_id),
            col(Visit.outcome),
            col(Visit.revision),
        )
        .where(
            col(Visit.municipality_code).in_(principal.municipalities),
            (col(Visit.worker_id) == own_worker) | col(Visit.station_id).in_(list(principal.station_ids)),
            col(Visit.occurred_at) >= now - timedelta(days=days),
        )
        .order_by(col(Visit.occurred_at).desc(), col(Visit.id).desc())
        .limit(200)
    ).all()
    return [
        RecordedVisit(
            kind="booking" if booking_id is not None else "walk_in",
            id=booking_id if booking_id is not None else walk_in_id or 0,  # a visit has one of them
            occurred_at=occurred_at,
            station_id=station_id,
            outcome=outcome,
            revision=revision,
        )
        for booking_id, walk_in_id, occurred_at, station_id, outcome, revision in rows
    ]
