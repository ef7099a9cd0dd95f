"""Statistics reports of the municipalities' plugins: JSON, CSV and charts (aggregates only)."""

from __future__ import annotations

from enum import StrEnum

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from pydantic import BaseModel

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Language
from sotesilta.core.statistics.domain.reports import GroupBy, ReportDefinition, Title
from sotesilta.core.statistics.service import charts
from sotesilta.core.statistics.service import reports as statistics
from sotesilta.core.statistics.service.charts import ChartFormat
from sotesilta.core.statistics.service.export import report_csv
from sotesilta.core.statistics.service.feedback import FeedbackView
from sotesilta.core.statistics.service.reports import Report, TableView

TAGS = ["statistics"]
Shown = int | float | str | None


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class TitleOut(BaseModel):
    fi: str
    sv: str
    en: str


class TableSpecOut(BaseModel):
    key: str
    measure: str
    title: TitleOut
    chart: str


class ReportSummary(BaseModel):
    key: str
    title: TitleOut
    municipalities: list[str]
    county: str | None
    tables: list[TableSpecOut]


class ColumnOut(BaseModel):
    key: str
    title: TitleOut


class RowOut(BaseModel):
    period: str
    cells: dict[str, Shown]


class TableOut(BaseModel):
    """Counts under 5 read "<5", and so does a cell that would give one away; shares are 0-1."""

    key: str
    measure: str
    title: TitleOut
    chart: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    total: dict[str, Shown]
    previous: dict[str, Shown] | None
    change: dict[str, float | None] | None
    targets: dict[str, float]


class QuestionOut(BaseModel):
    """Answers per value with their "total"; counts under 5 read "<5". Free texts only for managers,
    and only when at least five answered the form."""

    key: str
    kind: str
    text: TitleOut
    answered: Shown
    counts: dict[str, Shown]
    answer_titles: dict[str, TitleOut]
    mean: Shown
    texts: list[str]


class FeedbackOut(BaseModel):
    form_key: str
    version: int
    audience: str
    title: TitleOut
    responses: Shown
    questions: list[QuestionOut]


class ReportOut(BaseModel):
    key: str
    title: TitleOut
    scope: str
    municipalities: list[str]
    first_year: int
    last_year: int
    group_by: str
    tables: list[TableOut]
    feedback: list[FeedbackOut]


def _title(title: Title) -> TitleOut:
    return TitleOut(fi=title.fi, sv=title.sv, en=title.en)


def _summary(definition: ReportDefinition) -> ReportSummary:
    return ReportSummary(
        key=definition.key,
        title=_title(definition.title),
        municipalities=list(definition.municipalities),
        county=definition.county,
        tables=[
            TableSpecOut(key=t.key, measure=t.measure.value, title=_title(t.title), chart=t.chart.value)
            for t in definition.tables
        ],
    )


def _table_out(table: TableView) -> TableOut:
    return TableOut(
        key=table.key,
        measure=table.measure.value,
        title=_title(table.title),
        chart=table.chart.value,
        columns=[ColumnOut(key=c.key, title=_title(c.title)) for c in table.columns],
        rows=[
            RowOut(period=label, cells={k: c.shown for k, c in cells.items()}) for label, cells in table.rows
        ],
        total={k: c.shown for k, c in table.total.items()},
        previous=None if table.previous is None else {k: c.shown for k, c in table.previous.items()},
        change=table.change,
        targets=table.targets,
    )


def report_out(report: Report) -> ReportOut:
    return ReportOut(
        key=report.key,
        title=_title(report.title),
        scope=report.scope,
        municipalities=list(report.municipalities),
        first_year=report.first_year,
        last_year=report.last_year,
        group_by=report.group_by.value,
        tables=[_table_out(t) for t in report.tables],
        feedback=[_feedback_out(f) for f in report.feedback],
    )


def _feedback_out(view: FeedbackView) -> FeedbackOut:
    return FeedbackOut(
        form_key=view.form_key,
        version=view.version,
        audience=view.audience,
        title=_title(view.title),
        responses=view.responses.shown,
        questions=[
            QuestionOut(
                key=q.key,
                kind=q.kind,
                text=_title(q.text),
                answered=q.answered.shown,
                counts={k: c.shown for k, c in q.counts.items()},
                answer_titles={k: _title(t) for k, t in q.answer_titles.items()},
                mean=q.mean.shown,
                texts=list(q.texts),
            )
            for q in view.questions
        ],
    )


@get(
    "/api/v1/statistics/reports",
    operation_id="listStatisticsReports",
    tags=TAGS,
    summary="The statistics reports kept for the caller's municipalities",
)
async def list_statistics_reports(
    principal: NamedDependency[Principal], runtime: NamedDependency[Runtime]
) -> list[ReportSummary]:
    return [_summary(d) for d in statistics.list_reports(principal, runtime.plugins)]


def _read(
    uow: UnitOfWork,
    principal: Principal,
    runtime: Runtime,
    key: str,
    year: int,
    through_year: int | None,
    group_by: GroupBy,
    municipality: str | None,
    county: str | None,
    compare: bool,
) -> Report:
    now = uow.now
    return statistics.get_report(
        uow,
        principal=principal,
        key=key,
        year=year,
        through_year=through_year,
        group_by=group_by,
        municipality=municipality,
        county=county,
        compare=compare,
        today=local_date(now),
    )


@get(
    "/api/v1/statistics/reports/{key:str}",
    operation_id="getStatisticsReport",
    tags=TAGS,
    summary="A report for a municipality or county over a year (or years), by month, quarter or year",
    description=(
        "`format=csv` answers text/csv (one line per table, period and category). "
        "`compare=true` adds the same span one period earlier and the relative change."
    ),
    sync_to_thread=True,
)
def get_statistics_report(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    key: FromPath[str],
    year: FromQuery[int],
    through_year: FromQuery[int | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.MONTH,
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    compare: FromQuery[bool] = False,
    format: FromQuery[ReportFormat] = ReportFormat.JSON,
    language: FromQuery[Language] = Language.FI,
) -> Response[ReportOut] | Response[str]:
    report = _read(uow, principal, runtime, key, year, through_year, group_by, municipality, county, compare)
    if format is ReportFormat.CSV:
        name = f"{report.key}-{report.first_year}.csv"
        return Response(
            report_csv(report, language.value),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(report_out(report))


@get(
    "/api/v1/statistics/reports/{key:str}/charts/{table:str}",
    operation_id="getStatisticsChart",
    tags=TAGS,
    summary="One table of a report drawn as a PNG or SVG chart",
    sync_to_thread=True,
)
def get_statistics_chart(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    key: FromPath[str],
    table: FromPath[str],
    year: FromQuery[int],
    through_year: FromQuery[int | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.MONTH,
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    compare: FromQuery[bool] = False,
    format: FromQuery[ChartFormat] = ChartFormat.SVG,
    language: FromQuery[Language] = Language.FI,
) -> Response[bytes]:
    report = _read(uow, principal, runtime, key, year, through_year, group_by, municipality, county, compare)
    body = charts.render(report, report.table(table), language.value, format)
    return Response(body, media_type=charts.MEDIA_TYPES[format])


ROUTES = [list_statistics_reports, get_statistics_report, get_statistics_chart]
