"""The outcome report of intensive rehabilitation: 3X10D changes and feedback, small numbers suppressed."""

from __future__ import annotations

from datetime import date, datetime

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from pydantic import BaseModel

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.domain.disclosure import Cell
from sotesilta.core.statistics.service import rehab_report
from sotesilta.core.statistics.service.rehab_report import GroupBy, ReportRow

TAGS = ["intensive rehabilitation"]
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
    now: NamedDependency[datetime],
    year: FromQuery[int],
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.QUARTER,
) -> ReportOut:
    report = rehab_report.get_rehab_outcome_report(
        uow,
        principal=principal,
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


ROUTES = [get_rehab_outcome_report]
