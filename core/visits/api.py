"""Visit outcomes and the worklist of missing ones."""

from __future__ import annotations

from datetime import datetime

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from pydantic import BaseModel, Field

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import ReferralMode, VisitOutcome
from sotesilta.core.visits.service import history as visit_history
from sotesilta.core.visits.service import outcomes as visits


class ReferralIn(BaseModel):
    target: str = Field(min_length=1, max_length=64, description="code of list referral_target")
    mode: ReferralMode = ReferralMode.ADVISED


class OutcomeIn(BaseModel):
    booking_id: int | None = None
    walk_in_id: int | None = None
    outcome: VisitOutcome
    topic: str | None = Field(default=None, max_length=64, description="code of list topic")
    referrals: list[ReferralIn] = Field(default_factory=list, max_length=20)
    shl_notification_to: str | None = Field(default=None, max_length=200)
    network_meeting_coordinated: bool = False
    follow_up_needed: bool = False
    expected_revision: int | None = Field(
        default=None,
        ge=0,
        description="the revision this corrects (0: none recorded yet); refused with 409 revision-stale "
        "when the visit has changed since",
    )


class VisitOut(BaseModel):
    id: int
    booking_id: int | None
    walk_in_id: int | None
    occurred_at: datetime
    outcome: str
    topic: str | None
    referrals: list[ReferralIn]
    shl_notification_to: str | None
    network_meeting_coordinated: bool
    follow_up_needed: bool
    revision: int


class MissingOutcomeOut(BaseModel):
    kind: str
    id: int
    starts_at: datetime
    station_id: int
    worker_id: int


@post(
    "/api/v1/visits",
    operation_id="recordVisitOutcome",
    tags=["visits"],
    status_code=200,
    summary="Record or correct the outcome of a booked visit or a walk-in",
    sync_to_thread=True,
)
def record_visit_outcome(
    data: JSONBody[OutcomeIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> VisitOut:
    record = visits.OutcomeRecord(
        outcome=data.outcome,
        topic=data.topic,
        referrals=tuple((r.target, r.mode) for r in data.referrals),
        shl_notification_to=data.shl_notification_to,
        network_meeting_coordinated=data.network_meeting_coordinated,
        follow_up_needed=data.follow_up_needed,
    )
    view = visits.record_visit_outcome(
        uow,
        principal=principal,
        record=record,
        booking_id=data.booking_id,
        walk_in_id=data.walk_in_id,
        expected_revision=data.expected_revision,
    )
    return _out(view)


def _out(view: visits.VisitView) -> VisitOut:
    return VisitOut(
        **{**vars(view), "referrals": [ReferralIn(target=t, mode=ReferralMode(m)) for t, m in view.referrals]}
    )


class VisitVersionOut(BaseModel):
    revision: int
    outcome: str
    topic: str | None
    referrals: list[ReferralIn]
    shl_notification_to: str | None
    network_meeting_coordinated: bool
    follow_up_needed: bool
    recorded_by: str = Field(description="display name of who recorded this version")
    recorded_at: datetime


class VisitHistoryOut(BaseModel):
    kind: str
    id: int
    station_id: int
    starts_at: datetime
    visit: VisitOut | None = Field(description="the current outcome; null when none is recorded yet")
    versions: list[VisitVersionOut] = Field(description="every version, the current one first")


@get(
    "/api/v1/visits/history",
    operation_id="getVisitHistory",
    tags=["visits"],
    summary="A visit's outcome and its corrections (give booking_id or walk_in_id)",
    sync_to_thread=True,
)
def get_visit_history(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    booking_id: FromQuery[int | None] = None,
    walk_in_id: FromQuery[int | None] = None,
) -> VisitHistoryOut:
    found = visit_history.read_visit_history(
        uow,
        principal=principal,
        booking_id=booking_id,
        walk_in_id=walk_in_id,
    )
    return VisitHistoryOut(
        kind=found.kind,
        id=found.id,
        station_id=found.station_id,
        starts_at=found.starts_at,
        visit=_out(found.visit) if found.visit else None,
        versions=[
            VisitVersionOut(
                **{
                    **vars(v),
                    "referrals": [ReferralIn(target=t, mode=ReferralMode(m)) for t, m in v.referrals],
                }
            )
            for v in found.versions
        ],
    )


@get(
    "/api/v1/visits/missing",
    operation_id="listMissingOutcomes",
    tags=["visits"],
    summary="Past visits of my clients and stations with no outcome yet",
    sync_to_thread=True,
)
def list_missing_outcomes(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> list[MissingOutcomeOut]:
    return [MissingOutcomeOut(**vars(m)) for m in visits.list_missing_outcomes(uow, principal=principal)]


ROUTES = [record_visit_outcome, get_visit_history, list_missing_outcomes]
