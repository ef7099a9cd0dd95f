"""The manager's statistics: the municipality's reports as tables and charts, by year,
compared with the year before. Aggregates only, small numbers already hidden by the
use case; the charts and the CSV are the JSON API's, which the session cookie opens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.rendering import language_of, page
from sotesilta.core.kernel.web.security import requires_role
from sotesilta.core.statistics.domain.reports import FIRST_YEAR, LAST_YEAR, Title
from sotesilta.core.statistics.service import reports as statistics
from sotesilta.core.statistics.service.reports import Report, ReportSummary
from sotesilta.core.statistics.service.years import years_with_data

READERS = [requires_role(Role.MANAGER, Role.INSTRUCTOR)]
API = "/api/v1/statistics/reports"


@dataclass(frozen=True)
class StatisticsScreen:
    reports: list[ReportSummary]
    chosen: ReportSummary | None
    areas: list[tuple[str, str]]  # (area, name): the municipalities, and the county, the reader may read
    area: str | None  # a municipality's code, or "county-<code>"
    report: Report | None
    scope_title: Title | None  # the name of the report's municipality or county
    year: int
    years: list[int]
    compare: bool

    def query(self, **extra: str) -> str:
        assert self.chosen is not None and self.area is not None
        scope = area_scope(self.area)
        params = {"year": str(self.year), **{k: v for k, v in scope.items() if v}, **extra}
        if self.compare:
            params["compare"] = "true"
        return urlencode(params)

    def csv_url(self, language: str, *, semicolons: bool = False) -> str:
        assert self.chosen is not None
        fmt = "csv-semicolon" if semicolons else "csv"
        return f"{API}/{quote(self.chosen.key)}?{self.query(format=fmt, language=language)}"

    def chart_url(self, table: str, language: str) -> str:
        assert self.chosen is not None
        return (
            f"{API}/{quote(self.chosen.key)}/charts/{quote(table)}"
            f"?{self.query(format='svg', language=language)}"
        )


COUNTY_PREFIX = "county-"


def area_scope(area: str) -> dict[str, str | None]:
    """``municipality=`` or ``county=`` of the use case and the API, from the page's area."""
    if area.startswith(COUNTY_PREFIX):
        return {"municipality": None, "county": area[len(COUNTY_PREFIX) :]}
    return {"municipality": area, "county": None}


def parse_year(value: str | None) -> int | None:
    """The year asked for; ``None``: the latest year with data."""
    if not value:
        return None
    if not (value.isdigit() and len(value) == 4) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise InputInvalid(f"give a year {FIRST_YEAR}-{LAST_YEAR}", field="year")
    return int(value)


def statistics_screen(
    uow: UnitOfWork,
    runtime: Runtime,
    principal: Principal,
    *,
    key: str | None,
    area: str | None,
    year: int | None,
    compare: bool,
    language: str,
) -> StatisticsScreen:
    now = runtime.clock.now()
    current = local_date(now).year
    plugins = runtime.plugins
    reports = statistics.list_reports(principal, plugins)
    chosen = next((r for r in reports if r.key == key), None) if key else next(iter(reports), None)
    if key and chosen is None:
        raise RecordNotFound(f"no statistics report {key!r} for you", field="report")
    if chosen is None:
        shown = year or current
        return StatisticsScreen(reports, None, [], None, None, None, shown, [shown], compare)
    mine = [c for c in chosen.municipalities if c in principal.municipalities]
    areas = []
    for code in mine:
        profile = plugins.municipalities.get(code)
        name = (profile.name_sv if language == "sv" else profile.name_fi) if profile else code
        areas.append((code, name))
    if chosen.county is not None:
        in_county = [p for p in plugins.municipalities.all() if p.county.code == chosen.county]
        if in_county and {p.code for p in in_county} <= principal.municipalities:
            county = in_county[0].county
            areas.append(
                (COUNTY_PREFIX + county.code, county.name_sv if language == "sv" else county.name_fi)
            )
    offered = [a for a, _ in areas]
    # a report kept county-wide opens on the county for whoever may read it so
    wanted = area or ((offered[-1] if chosen.county is not None else offered[0]) if offered else None)
    hers = area is not None and (
        area in principal.municipalities or area.removeprefix(COUNTY_PREFIX) in principal.counties
    )
    if area is not None and area not in offered and hers and offered:
        wanted = offered[0]  # another report's area of hers: this report's first instead
    scope = area_scope(wanted or "")
    _, codes = access.report_scope(principal, plugins.municipalities, scope["municipality"], scope["county"])
    measures = {t.measure for t in chosen.tables}
    # the latest year with figures, unless another was asked for; every year with figures offered
    kept = [c for c in codes if c in chosen.municipalities]
    years = years_with_data(uow, kept, measures, today=local_date(now))
    year = year or (years[0] if years else current)
    years = sorted({*years, year}, reverse=True)
    report = statistics.get_report(
        uow,
        principal=principal,
        key=chosen.key,
        year=year,
        municipality=scope["municipality"],
        county=scope["county"],
        compare=compare,
        today=local_date(now),
    )
    scope_title = statistics.scope_title(plugins, report.municipalities, scope["county"])
    return StatisticsScreen(reports, chosen, areas, wanted, report, scope_title, year, years, compare)


@get("/statistics", guards=READERS, name="web-statistics")
async def statistics_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    report: FromQuery[str | None] = None,
    year: FromQuery[str | None] = None,
    area: FromQuery[str | None] = None,
    municipality: FromQuery[str | None] = None,
    compare: FromQuery[str | None] = None,
) -> Template:
    """``area`` is a municipality's code or ``county-<code>``; ``municipality`` is the same as an area."""
    language = language_of(request)
    screen = await runtime.run_db(
        statistics_screen,
        uow,
        runtime,
        request.user,
        key=(report or "")[:100] or None,
        area=(area or municipality or "")[:20] or None,
        year=parse_year(year),
        compare=compare in ("1", "true", "on", "yes"),
        language=language,
    )
    return page(request, "statistics.html", language=language, screen=screen)


ROUTES = [statistics_page]
