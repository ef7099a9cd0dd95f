"""Visit outcomes and the worklist of missing ones."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import ReferralMode, VisitOutcome
from sotesilta.core.visits.service import history as visit_history
from sotesilta.core.visits.service import outcomes as visits


class ReferralIn(msgspec.Struct, kw_only=True):
    target: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, description="code of list referral_target")
    ]
    mode: ReferralMode = ReferralMode.ADVISED


class VisitOutcomeIn(msgspec.Struct, kw_only=True):
    """The body of recordVisitOutcome: which visit, and its outcome (read as an ``OutcomeRecord``)."""

    booking_id: int | None = None
    walk_in_id: int | None = None
    outcome: VisitOutcome
    topic: Annotated[str, msgspec.Meta(max_length=64, description="code of list topic")] | None = None
    referrals: Annotated[list[ReferralIn], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    shl_notification_to: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    network_meeting_coordinated: bool = False
    follow_up_needed: bool = False
    expected_revision: (
        Annotated[
            int,
            msgspec.Meta(
                ge=0,
                description="the revision this corrects (0: none recorded yet); refused with 409 "
                "revision-stale when the visit has changed since",
            ),
        ]
        | None
    ) = None


@post(
    "/api/v1/visits",
    operation_id="recordVisitOutcome",
    tags=["visits"],
    status_code=200,
    summary="Record or correct the outcome of a booked visit or a walk-in",
    sync_to_thread=True,
)
def record_visit_outcome(
    data: JSONBody[VisitOutcomeIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> visits.VisitView:
    return visits.record_visit_outcome(
        uow,
        principal=principal,
        record=msgspec.convert(data, visits.OutcomeRecord, from_attributes=True),
        booking_id=data.booking_id,
        walk_in_id=data.walk_in_id,
        expected_revision=data.expected_revision,
    )


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
) -> visit_history.VisitHistory:
    return visit_history.read_visit_history(
        uow,
        principal=principal,
        booking_id=booking_id,
        walk_in_id=walk_in_id,
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
) -> list[visits.MissingOutcome]:
    return visits.list_missing_outcomes(uow, principal=principal)


ROUTES = [record_visit_outcome, get_visit_history, list_missing_outcomes]
