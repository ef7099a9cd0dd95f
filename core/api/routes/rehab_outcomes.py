"""Intensive rehabilitation: 3X10D measurements, feedback, intensity and the outcome report."""

from __future__ import annotations

from datetime import date, datetime

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, Field

from ...domain.accounts import Principal
from ...domain.disclosure import Cell
from ...domain.errors import InputInvalid
from ...domain.rehab import FeedbackAnswer, FeedbackKind, MeasurementPoint
from ...domain.scheduling import local_date
from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import rehab_outcomes, rehab_report
from ...services.rehab_outcomes import DueMeasurement, FeedbackView, MeasurementSummary, PeriodIntensity
from ...services.rehab_outcomes import WorkerIntensity as WorkerIntensityView
from ...services.rehab_report import GroupBy, ReportRow
from .rehab import TAGS


class MeasurementIn(BaseModel):
    point: MeasurementPoint
    measured_on: date
    answers: dict[str, int] = Field(
        min_length=1, max_length=10, description="0-10 per item key; see docs/api.md for the keys"
    )


class FeedbackIn(BaseModel):
    kind: FeedbackKind
    submitted_on: date
    useful: FeedbackAnswer = Field(description="was the intensive work useful to you")
    towards_goals: FeedbackAnswer = Field(description="did it help you towards your goals")
    free_text: str | None = Field(default=None, max_length=2000)


class IntensityOut(BaseModel):
    period: PeriodIntensity | None = None
    worker: WorkerIntensityView | None = None


Shown = int | float | str | None


class ReportRowOut(BaseModel):
    """Counts under 5 read "<5"; means and shares over fewer than 5 people too."""

    label: str
    first: date
    last: date
    periods_started: Shown
    periods_ended: Shown
    ended_early: Shown
    ended_early_by_reason: dict[str, Shown]
    measured_pairs: Shown
    mean_change_of_mean: Shown
    feedback_answers: Shown
    useful_yes_share: Shown
    useful_partly_share: Shown
    goals_yes_share: Shown
    goals_partly_share: Shown
    contacts_per_week: Shown


class ReportOut(BaseModel):
    scope: str
    municipalities: list[str]
    year: int
    group_by: str
    change_target: float
    satisfaction_target: float
    rows: list[ReportRowOut]
    total: ReportRowOut


def _shown(value: object) -> object:
    if isinstance(value, Cell):
        shown = value.shown
        return round(shown, 4) if isinstance(shown, float) else shown
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return value


def _row_out(row: ReportRow) -> ReportRowOut:
    return ReportRowOut(**{k: _shown(v) for k, v in vars(row).items()})


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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> MeasurementSummary:
    return rehab_outcomes.record_measurement(
        uow,
        principal=principal,
        period_id=period_id,
        point=data.point,
        measured_on=data.measured_on,
        answers=data.answers,
        plugins=runtime.plugins,
        now=now,
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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> MeasurementSummary:
    return rehab_outcomes.get_measurements(
        uow, principal=principal, period_id=period_id, plugins=runtime.plugins, now=now
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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> list[DueMeasurement]:
    return rehab_outcomes.list_due_measurements(
        uow, principal=principal, registry=runtime.plugins.municipalities, now=now
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
    data: JSONBody[FeedbackIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> FeedbackView:
    return rehab_outcomes.submit_period_feedback(
        uow,
        principal=principal,
        period_id=period_id,
        sealer=runtime.sealer,
        plugins=runtime.plugins,
        now=now,
        **data.model_dump(),
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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
    period_id: FromQuery[int | None] = None,
    worker_id: FromQuery[int | None] = None,
) -> IntensityOut:
    if (period_id is None) == (worker_id is None):
        raise InputInvalid("give either period_id or worker_id", field="period_id")
    registry = runtime.plugins.municipalities
    if period_id is not None:
        period = rehab_outcomes.get_period_intensity(
            uow, principal=principal, period_id=period_id, registry=registry, plugins=runtime.plugins, now=now
        )
        return IntensityOut(period=period)
    worker = rehab_outcomes.get_worker_intensity(
        uow,
        principal=principal,
        worker_id=worker_id or 0,
        registry=registry,
        plugins=runtime.plugins,
        now=now,
    )
    return IntensityOut(worker=worker)


@get(
    "/api/v1/reports/rehab-outcomes",
    operation_id="getRehabOutcomeReport",
    tags=TAGS,
    summary="Outcome report of a municipality or county by quarter or year (aggregates only)",
    sync_to_thread=True,
)
def get_rehab_outcome_report(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
    year: FromQuery[int],
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.QUARTER,
) -> ReportOut:
    report = rehab_report.get_rehab_outcome_report(
        uow,
        principal=principal,
        registry=runtime.plugins.municipalities,
        year=year,
        group_by=group_by,
        municipality=municipality,
        county=county,
        today=local_date(now),
    )
    return ReportOut(
        scope=report.scope,
        municipalities=list(report.municipalities),
        year=report.year,
        group_by=report.group_by,
        change_target=report.change_target,
        satisfaction_target=report.satisfaction_target,
        rows=[_row_out(r) for r in report.rows],
        total=_row_out(report.total),
    )


ROUTES = [
    record_measurement,
    get_measurements,
    list_due_measurements,
    submit_period_feedback,
    get_intensity,
    get_rehab_outcome_report,
]
