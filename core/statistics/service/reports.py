"""Statistics reports: a plugin's report definition read for a scope and a span of years.

Aggregates only, small numbers suppressed: a count table is suppressed as a
whole with its row and column totals (``disclosure.table``); a mean or share
over fewer than five people reads "<5". The year-over-year comparison sets
the span's totals beside the same span one period earlier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import msgspec

from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.principals import Principal, Role, TokenKind
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.domain import disclosure
from sotesilta.core.statistics.domain import reports as statistics
from sotesilta.core.statistics.domain.disclosure import Shown
from sotesilta.core.statistics.domain.reports import (
    CATEGORY_TITLES,
    CODE_LISTS,
    COUNT_MEASURES,
    FIXED_COLUMNS,
    REHAB_COLUMNS,
    Bucket,
    ChartKind,
    GroupBy,
    Measure,
    ReportDefinition,
    TableSpec,
    Title,
)
from sotesilta.core.statistics.service.data import Counts, empty_counts
from sotesilta.core.statistics.service.feedback import ReportFeedback, read_feedback
from sotesilta.core.statistics.service.rehab_report import (
    CHANGE_TARGET,
    SATISFACTION_TARGET,
    OutcomeRow,
    outcome_rows,
)
from sotesilta.core.statistics.service.rollup import monthly_counts

MAX_YEARS = 20

#: targets the Päijät-Häme model sets for its outcome table
REHAB_TARGETS = {
    "mean_change_of_mean": CHANGE_TARGET,
    "useful_yes_share": SATISFACTION_TARGET,
    "goals_yes_share": SATISFACTION_TARGET,
}


class TableSummary(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    measure: Measure
    title: Title
    chart: ChartKind | None  # None: the table has no chart (feedback)


class ReportSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A report kept for the reader's municipalities: what its tables are."""

    key: str
    title: Title
    municipalities: tuple[str, ...]
    county: str | None
    tables: tuple[TableSummary, ...]


class Column(msgspec.Struct, frozen=True):
    key: str
    title: Title


class TableRow(msgspec.Struct, frozen=True):
    period: str  # the bucket's label
    cells: dict[str, Shown]  # count tables add "total"


class AreaRow(msgspec.Struct, frozen=True):
    """One municipality's figures over the whole span, on the table's columns (and "total")."""

    municipality: str
    name: Title
    cells: dict[str, Shown]


class TableView(msgspec.Struct, frozen=True, kw_only=True):
    """Counts under 5 read "<5", and so does a cell that would give one away; shares are 0-1.

    A county-wide count table has a ``breakdown``: each municipality's span totals on the
    same columns. Its total row is the table's ``total``, suppressed together with the
    periods' cells, so neither split gives away what the other hides.
    """

    key: str
    measure: Measure
    title: Title
    chart: ChartKind | None
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    total: dict[str, Shown]
    previous: dict[str, Shown] | None  # the same span one period earlier, when compared
    change: dict[str, float | None] | None
    targets: dict[str, float]
    breakdown: tuple[AreaRow, ...] = ()

    @property
    def is_count(self) -> bool:
        return self.measure in COUNT_MEASURES


class Report(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    title: Title
    scope: str
    municipalities: tuple[str, ...]
    first_year: int
    last_year: int
    group_by: GroupBy
    tables: tuple[TableView, ...]
    feedback: tuple[ReportFeedback, ...] = ()  # when the report has a feedback part

    @property
    def span(self) -> str:
        """The report's years as a label: "2025" or "2018-2025"."""
        return span_label(self.first_year, self.last_year)

    @property
    def previous_span(self) -> str:
        """The same number of years just before, as the comparison reads them."""
        years = self.last_year - self.first_year + 1
        return span_label(self.first_year - years, self.last_year - years)

    def table(self, key: str) -> TableView:
        for table in self.tables:
            if table.key == key:
                return table
        raise RecordNotFound(f"report {self.key} has no table {key!r}", field="table")


def operator_principal(plugins: Plugins) -> Principal:
    """The server's operator at its console (``sotesilta stats``): a manager of every municipality.

    Only aggregates are read this way; whoever can run the CLI can read the database anyway.
    """
    return Principal(
        user_id=0,
        username="operator",
        display_name="operator (command line)",
        roles=frozenset({Role.MANAGER}),
        municipalities=frozenset(p.code for p in plugins.municipalities.all()),
        counties=frozenset(p.county.code for p in plugins.municipalities.all()),
        station_ids=frozenset(),
        language="fi",
        token_id=0,
        token_kind=TokenKind.SESSION,
    )


def list_reports(principal: Principal, plugins: Plugins) -> list[ReportSummary]:
    access.require_role(principal, Role.MANAGER, Role.INSTRUCTOR)
    return [
        msgspec.convert(definition, ReportSummary, from_attributes=True)
        for definition in plugins.reports.for_municipalities(sorted(principal.municipalities))
    ]


def get_report(
    uow: UnitOfWork,
    *,
    principal: Principal,
    key: str,
    year: int,
    through_year: int | None = None,
    group_by: GroupBy = GroupBy.MONTH,
    municipality: str | None = None,
    county: str | None = None,
    compare: bool = False,
    today: date | None = None,
) -> Report:
    plugins = uow.plugins
    access.require_role(principal, Role.MANAGER, Role.INSTRUCTOR)
    last_year = year if through_year is None else through_year
    if not statistics.FIRST_YEAR <= year <= last_year <= statistics.LAST_YEAR:
        raise InputInvalid(
            f"years must run forward within {statistics.FIRST_YEAR}-{statistics.LAST_YEAR}", field="year"
        )
    if last_year - year >= MAX_YEARS:
        raise InputInvalid(f"at most {MAX_YEARS} years at a time", field="through_year")
    definition = plugins.reports.get(key)
    if definition is None:
        raise RecordNotFound(f"no statistics report {key!r}", field="key")
    scope, codes = access.report_scope(principal, plugins.municipalities, municipality, county)
    if county is not None and definition.county != county:
        raise RecordNotFound(f"report {key} is not kept for county {county}", field="county")
    codes = tuple(c for c in codes if c in definition.municipalities)
    if not codes:
        raise RecordNotFound(f"report {key} is not kept for {scope}", field="municipality")
    buckets = statistics.buckets(year, last_year, group_by)
    span = last_year - year + 1
    previous = None
    if compare and year - span >= statistics.FIRST_YEAR:
        previous = statistics.buckets(year - span, last_year - span, group_by)
    measures = {spec.measure for spec in definition.tables}
    counted = measures & COUNT_MEASURES
    before = monthly_counts(uow, codes, previous, counted) if previous else None
    if county is None:
        read = _Read(counts=monthly_counts(uow, codes, buckets, counted), before=before)
    else:
        # read per municipality and added up here, so the breakdown and the periods always agree
        by_code = {code: monthly_counts(uow, (code,), buckets, counted) for code in codes}
        read = _Read(counts=_added(by_code.values(), counted), before=before)
        read.by_municipality = {
            code: _added([figures], counted, into_one=True) for code, figures in by_code.items()
        }
    if Measure.REHAB_OUTCOMES in measures:
        # read once for all of the report's outcome tables (each shows some of the columns)
        read.outcomes = _outcomes(uow, codes, buckets, today)
        read.before_outcomes = _outcomes(uow, codes, previous, today) if previous else None
    tables = tuple(
        _table(plugins, definition, spec, codes, buckets, read, previous)
        for spec in definition.tables
        if spec.measure is not Measure.FEEDBACK
    )
    feedback: tuple[ReportFeedback, ...] = ()
    if Measure.FEEDBACK in measures:
        feedback = read_feedback(
            uow, principal=principal, codes=codes, buckets=buckets, breakdown=county is not None
        )
    return Report(
        key=key,
        title=definition.title,
        scope=scope,
        municipalities=codes,
        first_year=year,
        last_year=last_year,
        group_by=group_by,
        tables=tables,
        feedback=feedback,
    )


def scope_title(plugins: Plugins, codes: Sequence[str], county: str | None) -> Title:
    """The name of a report's scope: its county's, or its municipalities' (``report.municipalities``)."""
    profiles = [p for p in plugins.municipalities.all() if p.code in codes]
    if county is not None:
        c = profiles[0].county
        return Title(c.name_fi, c.name_sv, c.name_fi)
    names = [(p.name_fi, p.name_sv) for p in profiles]
    return Title(
        ", ".join(n[0] for n in names), ", ".join(n[1] for n in names), ", ".join(n[0] for n in names)
    )


def span_label(first_year: int, last_year: int) -> str:
    return str(first_year) if first_year == last_year else f"{first_year}-{last_year}"


def _columns(plugins: Plugins, spec: TableSpec, codes: tuple[str, ...], counts: Counts) -> list[Column]:
    if spec.measure is Measure.REHAB_OUTCOMES:
        keys: list[str] = list(REHAB_COLUMNS)
    elif spec.measure in FIXED_COLUMNS:
        keys = list(FIXED_COLUMNS[spec.measure])
    else:
        keys = []
        titles: dict[str, Title] = {}
        for code in codes:
            for entry in plugins.code_lists.entries(CODE_LISTS[spec.measure], code):
                if entry.code not in titles:
                    keys.append(entry.code)
                    titles[entry.code] = Title(entry.label("fi"), entry.label("sv"), entry.label("en"))
        # categories in the data but no longer listed (imported history, retired codes) still show
        seen = {category for cells in counts.get(spec.measure, {}).values() for category in cells}
        keys += sorted(seen - set(keys))
        return [
            Column(k, titles.get(k) or CATEGORY_TITLES.get(k) or Title(k, k, k)) for k in _pick(spec, keys)
        ]
    labels = {c.code: c for c in plugins.code_lists.entries("referrer")}

    def title(k: str) -> Title:
        entry = labels.get(k)
        if spec.measure in (Measure.CLIENTS_BY_REFERRER, Measure.STAFF_REFERRALS) and entry is not None:
            return Title(entry.label("fi"), entry.label("sv"), entry.label("en"))
        return CATEGORY_TITLES.get(k) or Title(k, k, k)

    return [Column(k, title(k)) for k in _pick(spec, keys)]


def _pick(spec: TableSpec, keys: list[str]) -> list[str]:
    return [k for k in spec.columns if k in keys] if spec.columns else keys


@dataclass
class _Read:
    """What a report read from the database, once, for all its tables."""

    counts: Counts
    before: Counts | None  # the comparison's span
    outcomes: tuple[list[OutcomeRow], OutcomeRow] | None = None
    before_outcomes: tuple[list[OutcomeRow], OutcomeRow] | None = None
    by_municipality: dict[str, Counts] | None = None  # county-wide: each municipality's span


def _outcomes(
    uow: UnitOfWork, codes: tuple[str, ...], buckets: list[Bucket], today: date | None
) -> tuple[list[OutcomeRow], OutcomeRow]:
    spans = [(b.label, b.first, b.last) for b in buckets]
    return outcome_rows(uow, codes, spans, span_label(buckets[0].first.year, buckets[-1].last.year), today)


def _table(
    plugins: Plugins,
    definition: ReportDefinition,
    spec: TableSpec,
    codes: tuple[str, ...],
    buckets: list[Bucket],
    read: _Read,
    previous: list[Bucket] | None,
) -> TableView:
    counts, before = read.counts, read.before
    columns = _columns(plugins, spec, codes, counts)
    keys = [c.key for c in columns]
    targets = {**(REHAB_TARGETS if spec.measure is Measure.REHAB_OUTCOMES else {}), **definition.targets}
    targets = {k: v for k, v in targets.items() if k in keys}
    prev_total: dict[str, Shown] | None = None
    breakdown: list[AreaRow] = []
    if spec.measure is Measure.REHAB_OUTCOMES and read.outcomes is not None:
        outcome_list, outcome_total = read.outcomes
        rows = [TableRow(r.label, _cells(r, keys)) for r in outcome_list]
        total = _cells(outcome_total, keys)
        prev_total = _cells(read.before_outcomes[1], keys) if read.before_outcomes else None
    elif spec.measure in COUNT_MEASURES:
        periods = {b.label: {k: counts[spec.measure][i][k] for k in keys} for i, b in enumerate(buckets)}
        parts = {"period": periods}
        if read.by_municipality is not None:
            parts["municipality"] = {
                code: {k: figures[spec.measure][0][k] for k in keys}
                for code, figures in read.by_municipality.items()
            }
        grids = disclosure.tables(parts)
        grid = grids["period"]
        if "municipality" in grids:
            names = scope_names(plugins, codes)
            breakdown = [
                AreaRow(code, names[code], disclosure.shown(cells))
                for code, cells in grids["municipality"].cells.items()
            ]
        rows = [TableRow(b.label, disclosure.shown(grid.cells[b.label])) for b in buckets]
        total = disclosure.shown(grid.total)
        if previous is not None and before is not None:
            sums = {k: sum(before[spec.measure][i][k] for i in range(len(previous))) for k in keys}
            prev_total = disclosure.shown(disclosure.table({"previous": sums}).cells["previous"])
    else:
        raise InputInvalid(f"measure {spec.measure} has no table yet", field="key")
    change = None
    if prev_total is not None:
        # undefined where either figure is suppressed or undefined
        change = {
            k: statistics.change(disclosure.figure(total[k]), disclosure.figure(prev_total[k])) for k in total
        }
    return TableView(
        key=spec.key,
        measure=spec.measure,
        title=spec.title,
        chart=spec.chart,
        columns=tuple(columns),
        rows=tuple(rows),
        total=total,
        previous=prev_total,
        change=change,
        targets=targets,
        breakdown=tuple(breakdown),
    )


def _added(parts: Iterable[Counts], measures: set[Measure], *, into_one: bool = False) -> Counts:
    """Counts added up bucket by bucket, or (``into_one``) all buckets into bucket 0."""
    total = empty_counts()
    for counts in parts:
        for measure in measures:
            for index, cells in counts[measure].items():
                for category, value in cells.items():
                    total[measure][0 if into_one else index][category] += value
    return total


def scope_names(plugins: Plugins, codes: Sequence[str]) -> dict[str, Title]:
    """Municipalities' names by code (English reads the Finnish name)."""
    names = {}
    for code in codes:
        p = plugins.municipalities.get(code)
        names[code] = Title(p.name_fi, p.name_sv, p.name_fi) if p else Title(code, code, code)
    return names


def _cells(row: OutcomeRow, keys: list[str]) -> dict[str, Shown]:
    """The columns ``keys`` of an outcome row."""
    figures = msgspec.structs.asdict(row)
    return {k: figures[k] for k in keys}
