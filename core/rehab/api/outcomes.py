"""Intensive rehabilitation: 3X10D measurements, feedback, intensity."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.api.periods import TAGS
from sotesilta.core.rehab.domain import FeedbackAnswer, FeedbackKind, MeasurementPoint
from sotesilta.core.rehab.service import outcomes as rehab_outcomes
from sotesilta.core.rehab.service.outcomes import (
    DueMeasurement,
    Intensity,
    MeasurementSummary,
    PeriodFeedbackView,
)


class MeasurementIn(msgspec.Struct, kw_only=True):
    point: MeasurementPoint
    measured_on: date
    answers: Annotated[
        dict[str, int],
        Meta(min_length=1, max_length=10, description="0-10 per item key; see docs/api.md for the keys"),
    ]


class PeriodFeedbackIn(msgspec.Struct, kw_only=True):
    kind: FeedbackKind
    submitted_on: date
    useful: Annotated[FeedbackAnswer, Meta(description="was the intensive work useful to you")]
    towards_goals: Annotated[FeedbackAnswer, Meta(description="did it help you towards your goals")]
    free_text: Annotated[str, Meta(max_length=2000)] | None = None


@post(
    "/api/v1/intensive-periods/{period_id:int}/measurements",
    operation_id="recordMeasurement",
    tags=TAGS,
    summary="Record a 3X10D measurement (start or follow-up); answers 0-10 by item key",
    sync_to_thread=True,
)
def record_measurement(
    period_id: FromPath[int],
    data: JSONBody[MeasurementIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> MeasurementSummary:
    return rehab_outcomes.record_measurement(
        uow,
        principal=principal,
        period_id=period_id,
        point=data.point,
        measured_on=data.measured_on,
        answers=data.answers,
    )


@get(
    "/api/v1/intensive-periods/{period_id:int}/measurements",
    operation_id="getMeasurements",
    tags=TAGS,
    summary="The period's 3X10D measurements with the change per item and of the mean",
    sync_to_thread=True,
)
def get_measurements(
    period_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> MeasurementSummary:
    return rehab_outcomes.get_measurements(
        uow,
        principal=principal,
        period_id=period_id,
    )


@get(
    "/api/v1/measurements/due",
    operation_id="listDueMeasurements",
    tags=TAGS,
    summary="3X10D measurements due within two weeks, and overdue ones, of my periods",
    sync_to_thread=True,
)
def list_due_measurements(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> list[DueMeasurement]:
    return rehab_outcomes.list_due_measurements(
        uow,
        principal=principal,
    )


@post(
    "/api/v1/intensive-periods/{period_id:int}/feedback",
    operation_id="submitPeriodFeedback",
    tags=TAGS,
    summary="The client's feedback at the end of the period or in a quarter's two-week window",
    sync_to_thread=True,
)
def submit_period_feedback(
    period_id: FromPath[int],
    data: JSONBody[PeriodFeedbackIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> PeriodFeedbackView:
    return rehab_outcomes.submit_period_feedback(
        uow,
        principal=principal,
        period_id=period_id,
        **msgspec.structs.asdict(data),
    )


@get(
    "/api/v1/intensity",
    operation_id="getIntensity",
    tags=TAGS,
    summary="Planned and realised contacts week by week, for one period or for a worker's periods",
    sync_to_thread=True,
)
def get_intensity(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    period_id: FromQuery[int | None] = None,
    worker_id: FromQuery[int | None] = None,
) -> Intensity:
    if (period_id is None) == (worker_id is None):
        raise InputInvalid("give either period_id or worker_id", field="period_id")
    if period_id is not None:
        period = rehab_outcomes.get_period_intensity(
            uow,
            principal=principal,
            period_id=period_id,
        )
        return Intensity(period=period)
    worker = rehab_outcomes.get_worker_intensity(
        uow,
        principal=principal,
        worker_id=worker_id or 0,
    )
    return Intensity(worker=worker)


ROUTES = [
    record_measurement,
    get_measurements,
    list_due_measurements,
    submit_period_feedback,
    get_intensity,
]
