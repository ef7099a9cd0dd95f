"""Charts of a statistics table: SVG written directly (``svg_chart``), PNG drawn by
matplotlib (no screen needed) and kept, since the same table is the same picture.

Only what the table shows is drawn: a suppressed cell ("<5") is left out and
the chart says so underneath, so a chart never reveals more than its table.
PNG figures are built with matplotlib's object API (no pyplot state), so requests
may draw at the same time.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from enum import StrEnum
from typing import TYPE_CHECKING

import msgspec

from sotesilta.core.kernel.errors import RecordNotFound
from sotesilta.core.statistics.domain import disclosure
from sotesilta.core.statistics.domain.disclosure import TOTAL, Shown
from sotesilta.core.statistics.domain.reports import ChartKind, Title
from sotesilta.core.statistics.service import svg_chart
from sotesilta.core.statistics.service.reports import Column, Report, TableView

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PERCENT_COLUMNS = frozenset({"mean_change_of_mean", "useful_yes_share", "goals_yes_share"})
COLOURS = ("#1f5fa8", "#d0711b", "#2e8540", "#8a3b9c", "#b3261e", "#5c6670", "#0f7c80", "#9c6b00")

NOTES = {
    "fi": "Alle 5 tapauksen luvut on jätetty pois.",
    "sv": "Tal under 5 har lämnats bort.",
    "en": "Figures under 5 are left out.",
}
TARGET = {"fi": "tavoite", "sv": "mål", "en": "target"}


class ChartFormat(StrEnum):
    PNG = "png"
    SVG = "svg"


MEDIA_TYPES = {ChartFormat.PNG: "image/png", ChartFormat.SVG: "image/svg+xml"}


def _value(shown: Shown) -> float | None:
    value = disclosure.figure(shown)
    return None if value is None else float(value)


def render(report: Report, table: TableView, language: str, fmt: ChartFormat, scope: Title) -> bytes:
    """``scope`` names the report's municipality or county (``reports.scope_title``)."""
    if table.chart is None:
        raise RecordNotFound(f"table {table.key!r} has no chart", field="table")
    title = table.title.get(language)
    where = f"{report.title.get(language)} · {scope.get(language)} · {report.span}"
    if fmt is ChartFormat.SVG:
        return _svg(report, table, language, title, where)
    key = hashlib.sha256(msgspec.json.encode((table, language, title, where, report.previous_span))).digest()
    with _PNG_LOCK:
        cached = _PNGS.get(key)
        if cached is not None:
            _PNGS.move_to_end(key)
            return cached
    body = _png(report, table, language, title, where)
    with _PNG_LOCK:
        _PNGS[key] = body
        while len(_PNGS) > PNG_CACHE_SIZE:
            _PNGS.popitem(last=False)
    return body


#: drawn PNGs by what they show: the same table is the same picture, and matplotlib takes
#: a tenth of a second or more to draw one
PNG_CACHE_SIZE = 256
_PNGS: OrderedDict[bytes, bytes] = OrderedDict()
_PNG_LOCK = threading.Lock()


def _note(hidden: bool, language: str) -> str | None:
    return NOTES.get(language, NOTES["en"]) if hidden else None


def _svg(report: Report, table: TableView, language: str, title: str, where: str) -> bytes:
    columns = [c for c in table.columns if c.key != TOTAL]
    labels = [row.period for row in table.rows]
    if table.chart is ChartKind.TOTALS:
        left_out = any(disclosure.hidden(table.total[c.key]) for c in columns)
        drawn = sorted(
            ((c, value) for c in columns if (value := _value(table.total[c.key]))), key=lambda cv: cv[1]
        )
        previous = table.previous
        bars = [
            (c.title.get(language), value, None if previous is None else _value(previous[c.key]))
            for c, value in drawn
        ]
        spans = None if previous is None else (report.span, report.previous_span)
        return svg_chart.totals(title, where, bars, COLOURS[0], spans, _note(left_out, language))
    left_out = any(disclosure.hidden(row.cells[c.key]) for row in table.rows for c in columns)
    series = []
    for n, column in enumerate(columns):
        colour = COLOURS[n % len(COLOURS)]
        scale = 100.0 if table.chart is ChartKind.TARGETS and column.key in PERCENT_COLUMNS else 1.0
        values = [None if (v := _value(row.cells[column.key])) is None else v * scale for row in table.rows]
        target = table.targets.get(column.key) if table.chart is ChartKind.TARGETS else None
        label = column.title.get(language) + (" %" if scale == 100.0 else "")
        series.append(
            svg_chart.Series(
                label,
                values,
                colour,
                None if target is None else target * scale,
                f"{TARGET.get(language, TARGET['en'])}: {column.title.get(language)}",
            )
        )
    note = _note(left_out, language)
    if table.chart is ChartKind.TARGETS:
        return svg_chart.lines(title, where, labels, series, note)
    return svg_chart.bars(title, where, labels, series, stacked=table.chart is ChartKind.STACKED, note=note)


def _png(report: Report, table: TableView, language: str, title: str, where: str) -> bytes:
    # imported here: matplotlib takes a moment to load and only PNG charts need it
    import matplotlib
    from matplotlib.figure import Figure

    # the same constant every time, so setting the shared parameter is safe between threads
    matplotlib.rcParams["svg.hashsalt"] = "sotesilta"

    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    axes = figure.subplots()
    hidden = False
    columns = [c for c in table.columns if c.key != TOTAL]
    labels = [row.period for row in table.rows]
    if table.chart is ChartKind.TOTALS:
        hidden = _totals(axes, report, table, columns, language)
    elif table.chart is ChartKind.TARGETS:
        hidden = _targets(axes, table, columns, labels, language)
    else:
        hidden = _bars(axes, table, columns, labels, language, stacked=table.chart is ChartKind.STACKED)
    axes.set_title(f"{title}\n{where}", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if hidden:
        figure.supxlabel(NOTES.get(language, NOTES["en"]), fontsize=8, color="#444444", x=0.01, ha="left")
    out = io.BytesIO()
    # fixed metadata: the same table gives the same file
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _bars(
    axes: Axes, table: TableView, columns: list[Column], labels: list[str], language: str, *, stacked: bool
) -> bool:
    left_out = False
    count = max(len(columns), 1)
    width = 0.8 if stacked else 0.8 / count
    bottoms = [0.0] * len(labels)
    for n, column in enumerate(columns):
        values = []
        for row in table.rows:
            left_out |= disclosure.hidden(row.cells[column.key])
            values.append(_value(row.cells[column.key]) or 0.0)
        positions = [i + (0 if stacked else (n - (count - 1) / 2) * width) for i in range(len(labels))]
        axes.bar(
            positions,
            values,
            width,
            bottom=bottoms if stacked else None,
            label=column.title.get(language),
            color=COLOURS[n % len(COLOURS)],
        )
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0, ha="right")
    axes.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return left_out


def _totals(axes: Axes, report: Report, table: TableView, columns: list[Column], language: str) -> bool:
    left_out = any(disclosure.hidden(table.total[c.key]) for c in columns)
    drawn = sorted(
        ((c, value) for c in columns if (value := _value(table.total[c.key]))), key=lambda cv: cv[1]
    )
    positions = list(range(len(drawn)))
    has_previous = table.previous is not None
    height = 0.4 if has_previous else 0.8
    axes.barh(
        [p + (height / 2 if has_previous else 0) for p in positions],
        [v for _, v in drawn],
        height,
        color=COLOURS[0],
        label=report.span if has_previous else None,
    )
    if table.previous is not None:
        before = [_value(table.previous[c.key]) or 0.0 for c, _ in drawn]
        axes.barh(
            [p - height / 2 for p in positions],
            before,
            height,
            color="#9aa5b1",
            label=report.previous_span,
        )
        axes.legend(frameon=False, fontsize=9)
    axes.set_yticks(positions, [c.title.get(language) for c, _ in drawn], fontsize=9)
    return left_out


def _targets(axes: Axes, table: TableView, columns: list[Column], labels: list[str], language: str) -> bool:
    left_out = False
    for n, column in enumerate(columns):
        scale = 100.0 if column.key in PERCENT_COLUMNS else 1.0
        values = []
        for row in table.rows:
            value = _value(row.cells[column.key])
            left_out |= disclosure.hidden(row.cells[column.key])
            values.append(float("nan") if value is None else value * scale)
        colour = COLOURS[n % len(COLOURS)]
        axes.plot(
            range(len(labels)),
            values,
            marker="o",
            color=colour,
            label=column.title.get(language) + (" %" if scale == 100.0 else ""),
        )
        target = table.targets.get(column.key)
        if target is not None:
            axes.axhline(
                target * scale,
                color=colour,
                linestyle="--",
                linewidth=1,
                label=f"{TARGET.get(language, TARGET['en'])}: {column.title.get(language)}",
            )
    axes.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0, ha="right")
    axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return left_out
