"""Visit outcomes and the worklist of missing ones."""

from __future__ import annotations

from datetime import datetime

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from ...domain.accounts import Principal
from ...domain.bookings import ReferralMode, VisitOutcome
from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import visits


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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
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
        plugins=runtime.plugins,
        now=now,
        booking_id=data.booking_id,
        walk_in_id=data.walk_in_id,
    )
    return VisitOut(
        **{**vars(view), "referrals": [ReferralIn(target=t, mode=ReferralMode(m)) for t, m in view.referrals]}
    )


@get(
    "/api/v1/visits/missing",
    operation_id="listMissingOutcomes",
    tags=["visits"],
    summary="Past visits of my clients and stations with no outcome yet",
    sync_to_thread=True,
)
def list_missing_outcomes(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork], now: NamedDependency[datetime]
) -> list[MissingOutcomeOut]:
    return [
        MissingOutcomeOut(**vars(m)) for m in visits.list_missing_outcomes(uow, principal=principal, now=now)
    ]


ROUTES = [record_visit_outcome, list_missing_outcomes]
