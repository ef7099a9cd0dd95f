"""The outcome report of intensive rehabilitation: 3X10D changes and feedback, small numbers suppressed."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.service import rehab_report
from sotesilta.core.statistics.service.rehab_report import OutcomeGroupBy, OutcomeReport, OutcomeRow

TAGS = ["intensive rehabilitation"]
#: means and shares are sent to four decimals
DECIMALS = 4


def _rounded(row: OutcomeRow) -> OutcomeRow:
    floats = {
        f.name: round(value, DECIMALS)
        for f in msgspec.structs.fields(row)
        if isinstance(value := getattr(row, f.name), float)
    }
    return msgspec.structs.replace(row, **floats)


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
    group_by: FromQuery[OutcomeGroupBy] = OutcomeGroupBy.QUARTER,
) -> OutcomeReport:
    report = rehab_report.get_rehab_outcome_report(
        uow,
        principal=principal,
        year=year,
        group_by=group_by,
        municipality=municipality,
        county=county,
        today=local_date(now),
    )
    return msgspec.structs.replace(
        report, rows=tuple(_rounded(r) for r in report.rows), total=_rounded(report.total)
    )


ROUTES = [get_rehab_outcome_report]
