"""Statistics reports of the municipalities' plugins: JSON, CSV and charts (aggregates only)."""

from __future__ import annotations

from enum import StrEnum

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.openapi import answers_also, binary, text
from sotesilta.core.organisations.public import Language
from sotesilta.core.statistics.domain.reports import GroupBy
from sotesilta.core.statistics.service import charts
from sotesilta.core.statistics.service import reports as statistics
from sotesilta.core.statistics.service.charts import ChartFormat
from sotesilta.core.statistics.service.export import report_csv
from sotesilta.core.statistics.service.reports import Report, ReportSummary

TAGS = ["statistics"]


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    #: ";"-separated with a decimal comma: what Excel set to Finnish or Swedish opens
    CSV_SEMICOLON = "csv-semicolon"


class CsvFormat(StrEnum):
    """The CSV formats of ``ReportFormat``, for the operation that answers CSV only."""

    CSV = "csv"
    CSV_SEMICOLON = "csv-semicolon"


CSV = "text/csv"  # the server adds "; charset=utf-8" to every text type


@get(
    "/api/v1/statistics/reports",
    operation_id="listStatisticsReports",
    tags=TAGS,
    summary="The statistics reports kept for the caller's municipalities",
)
async def list_statistics_reports(
    principal: NamedDependency[Principal], runtime: NamedDependency[Runtime]
) -> list[ReportSummary]:
    return statistics.list_reports(principal, runtime.plugins)


def _read(
    uow: UnitOfWork,
    principal: Principal,
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
        "`format=csv` answers text/csv (one line per table, period and category; `,` and a "
        "decimal point); `format=csv-semicolon` the same with `;` and a decimal comma, as Excel "
        "set to Finnish or Swedish reads it. "
        "`compare=true` adds the same span one period earlier and the relative change. "
        "A generated client, which reads an answer by its status, downloads the CSV with "
        "`getStatisticsReportCsv`."
    ),
    sync_to_thread=True,
    # the answer's type depends on ``format``: the report (JSON) declared here, the CSV added
    responses={200: ResponseSpec(Report, description="The report (JSON), or CSV by `format`")},
    operation_class=answers_also(200, text(CSV)),
)
def get_statistics_report(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    key: FromPath[str],
    year: FromQuery[int],
    through_year: FromQuery[int | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.MONTH,
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    compare: FromQuery[bool] = False,
    format: FromQuery[ReportFormat] = ReportFormat.JSON,
    language: FromQuery[Language] = Language.FI,
) -> Response[Report] | Response[str]:
    report = _read(uow, principal, key, year, through_year, group_by, municipality, county, compare)
    if format is ReportFormat.JSON:
        return Response(report)
    return _csv(report, CsvFormat(format.value), language)


def _csv(report: Report, format: CsvFormat, language: Language) -> Response[str]:
    name = f"{report.key}-{report.first_year}.csv"
    return Response(
        report_csv(report, language.value, semicolons=format is CsvFormat.CSV_SEMICOLON),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@get(
    "/api/v1/statistics/reports/{key:str}/csv",
    operation_id="getStatisticsReportCsv",
    tags=TAGS,
    summary="A report as CSV: what getStatisticsReport answers with format=csv or csv-semicolon",
    media_type=CSV,
    sync_to_thread=True,
)
def get_statistics_report_csv(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    key: FromPath[str],
    year: FromQuery[int],
    through_year: FromQuery[int | None] = None,
    group_by: FromQuery[GroupBy] = GroupBy.MONTH,
    municipality: FromQuery[str | None] = None,
    county: FromQuery[str | None] = None,
    compare: FromQuery[bool] = False,
    format: FromQuery[CsvFormat] = CsvFormat.CSV,
    language: FromQuery[Language] = Language.FI,
) -> Response[str]:
    report = _read(uow, principal, key, year, through_year, group_by, municipality, county, compare)
    return _csv(report, format, language)


@get(
    "/api/v1/statistics/reports/{key:str}/charts/{table:str}",
    operation_id="getStatisticsChart",
    tags=TAGS,
    summary="One table of a report drawn as a PNG or SVG chart",
    sync_to_thread=True,
    media_type=charts.MEDIA_TYPES[ChartFormat.SVG],
    operation_class=answers_also(200, *(binary(media) for media in charts.MEDIA_TYPES.values())),
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
    report = _read(uow, principal, key, year, through_year, group_by, municipality, county, compare)
    scope = statistics.scope_title(runtime.plugins, report.municipalities, county)
    body = charts.render(report, report.table(table), language.value, format, scope)
    return Response(body, media_type=charts.MEDIA_TYPES[format])


ROUTES = [list_statistics_reports, get_statistics_report, get_statistics_report_csv, get_statistics_chart]
