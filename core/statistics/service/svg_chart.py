"""A statistics table drawn as SVG directly, in about a millisecond.

The statistics page shows three or four charts at once; matplotlib took 110-460 ms to draw
each, so the page waited a second or more for them. These charts are simple (bars, stacked
bars, horizontal totals, lines against a target), and SVG is text: writing it here is
quicker than configuring a plotting library, and the same table always gives the same bytes.
Text stays text, so screen readers and search read the labels. PNG (for spreadsheets and
documents) is still drawn by matplotlib in ``charts``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax import saxutils

WIDTH, HEIGHT = 900, 500
TOP = 64  # under the two-line title
LEGEND_WIDTH = 230
FONT = "DejaVu Sans, Arial, sans-serif"
GRID = "#d9dde1"
AXIS = "#333333"
PREVIOUS = "#9aa5b1"

Attributes = Mapping[str, str | float]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # None: not drawn (hidden or undefined)
    colour: str
    target: float | None = None  # a dashed line at this value (line charts)
    target_label: str = ""


@dataclass
class Canvas:
    """The SVG's elements in drawing order."""

    parts: list[str] = field(default_factory=list)

    def text(self, x: float, y: float, content: str, attributes: Attributes | None = None) -> None:
        attrs: Attributes = {"font-size": 11, "fill": AXIS, **(attributes or {})}
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}"{_attrs(attrs)}>{escape(content)}</text>')

    def rect(self, x: float, y: float, width: float, height: float, colour: str, label: str) -> None:
        # a title per bar: hovering (or a screen reader) tells the figure
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" '
            f'fill="{colour}"><title>{escape(label)}</title></rect>'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: str, attributes: Attributes | None = None
    ) -> None:
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}"{_attrs(attributes or {})}/>'
        )

    def document(self, title: str) -> bytes:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family={quoteattr(FONT)}>'
            f"<title>{escape(title)}</title>"
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        )
        return (head + "".join(self.parts) + "</svg>\n").encode()


#: characters XML 1.0 does not allow anywhere (a label is a plugin's or an admin's text)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    return saxutils.escape(NOT_XML.sub("", text))


def quoteattr(text: str) -> str:
    return saxutils.quoteattr(NOT_XML.sub("", text))


def _attrs(attributes: Attributes) -> str:
    return "".join(f" {name}={quoteattr(str(value))}" for name, value in attributes.items())


def ticks(top: float) -> list[float]:
    """Round values from 0 up to at least ``top``: 1, 2, 2.5 or 5 times a power of ten apart."""
    if top < 1e-9:  # nothing (or only float dust) to show: a plain 0-1 axis
        return [0.0, 1.0]
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    digits = max(0, -math.floor(math.log10(step))) + 3  # float noise off, the step's digits kept
    return [round(i * step, digits) for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:g}"


def _frame(canvas: Canvas, title: str, subtitle: str, note: str | None) -> None:
    canvas.text(WIDTH / 2, 24, title, {"font-size": 14, "text-anchor": "middle", "font-weight": "bold"})
    canvas.text(WIDTH / 2, 44, subtitle, {"font-size": 12, "text-anchor": "middle"})
    if note:
        canvas.text(10, HEIGHT - 8, note, {"font-size": 10, "fill": "#444444"})


def _legend(canvas: Canvas, entries: Sequence[tuple[str, str, str]], left: float) -> None:
    """``(label, colour, mark)`` entries, one per line at the right of the plot; the mark is
    "box", "line" or "dashed", as the series is drawn."""
    for n, (label, colour, mark) in enumerate(entries):
        y = TOP + 10 + n * 20
        if mark == "box":
            canvas.rect(left, y - 6, 18, 12, colour, label)
        else:
            dashes: Attributes = {"stroke-dasharray": "4 3"} if mark == "dashed" else {}
            canvas.line(left, y, left + 18, y, colour, {"stroke-width": 2, **dashes})
        canvas.text(left + 24, y + 4, label)


def _value_axis(canvas: Canvas, scale: list[float], left: float, right: float, bottom: float) -> float:
    """Horizontal grid lines with their values; returns pixels per unit."""
    per_unit = (bottom - TOP) / scale[-1]
    for value in scale:
        y = bottom - value * per_unit
        canvas.line(left, y, right, y, GRID if value else AXIS)
        canvas.text(left - 6, y + 4, _number(value), {"text-anchor": "end"})
    return per_unit


def _category_labels(canvas: Canvas, labels: Sequence[str], left: float, band: float, bottom: float) -> None:
    slanted = len(labels) > 6
    for i, label in enumerate(labels):
        x = left + (i + 0.5) * band
        if slanted:
            canvas.text(
                x,
                bottom + 14,
                label,
                {"text-anchor": "end", "transform": f"rotate(-45 {x:.1f} {bottom + 14:.1f})"},
            )
        else:
            canvas.text(x, bottom + 16, label, {"text-anchor": "middle"})


def bars(
    title: str,
    subtitle: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool,
    note: str | None,
) -> bytes:
    """One bar per series per label, side by side or stacked."""
    canvas = Canvas()
    _frame(canvas, title, subtitle, note)
    left, right, bottom = 60.0, WIDTH - LEGEND_WIDTH, HEIGHT - (110 if len(labels) > 6 else 70)
    sums = [sum(s.values[i] or 0.0 for s in series) for i in range(len(labels))]
    tallest = max(sums if stacked else [v or 0.0 for s in series for v in s.values], default=0.0)
    per_unit = _value_axis(canvas, ticks(tallest), left, right, bottom)
    band = (right - left) / max(len(labels), 1)
    width = band * 0.8 / (1 if stacked else max(len(series), 1))
    base = [0.0] * len(labels)
    for n, one in enumerate(series):
        for i, value in enumerate(one.values):
            if not value:
                continue
            x = left + i * band + band * 0.1 + (0 if stacked else n * width)
            y = bottom - (base[i] + value) * per_unit
            canvas.rect(
                x, y, width, value * per_unit, one.colour, f"{labels[i]}: {one.label} {_number(value)}"
            )
            if stacked:
                base[i] += value
    _category_labels(canvas, labels, left, band, bottom)
    _legend(canvas, [(s.label, s.colour, "box") for s in series], right + 16)
    return canvas.document(f"{title} {subtitle}")


def totals(
    title: str,
    subtitle: str,
    bars_: Sequence[tuple[str, float, float | None]],
    colour: str,
    spans: tuple[str, str] | None,
    note: str | None,
) -> bytes:
    """Horizontal bars, smallest at the bottom: ``(label, value, previous)``; with ``spans``
    (this period, the one before) each bar has the earlier period's beside it."""
    canvas = Canvas()
    _frame(canvas, title, subtitle, note)
    longest = max((len(label) for label, _, _ in bars_), default=0)
    left = min(max(80.0, longest * 6.5 + 12), 330.0)
    right = WIDTH - (LEGEND_WIDTH if spans else 40)
    bottom = HEIGHT - 60.0
    top_value = max([v for _, v, _ in bars_] + [p or 0.0 for _, _, p in bars_], default=0.0)
    scale = ticks(top_value)
    per_unit = (right - left) / scale[-1]
    for value in scale:
        x = left + value * per_unit
        canvas.line(x, TOP, x, bottom, GRID if value else AXIS)
        canvas.text(x, bottom + 16, _number(value), {"text-anchor": "middle"})
    band = (bottom - TOP) / max(len(bars_), 1)
    height = band * (0.4 if spans else 0.8)
    for i, (label, value, previous) in enumerate(bars_):
        middle = bottom - (i + 0.5) * band
        canvas.text(left - 6, middle + 4, label, {"text-anchor": "end"})
        if spans is None:
            canvas.rect(
                left, middle - height / 2, value * per_unit, height, colour, f"{label}: {_number(value)}"
            )
            continue
        canvas.rect(
            left, middle - height, value * per_unit, height, colour, f"{label}, {spans[0]}: {_number(value)}"
        )
        if previous:
            canvas.rect(
                left,
                middle,
                previous * per_unit,
                height,
                PREVIOUS,
                f"{label}, {spans[1]}: {_number(previous)}",
            )
    if spans:
        _legend(canvas, [(spans[0], colour, "box"), (spans[1], PREVIOUS, "box")], right + 16)
    return canvas.document(f"{title} {subtitle}")


def lines(
    title: str, subtitle: str, labels: Sequence[str], series: Sequence[Series], note: str | None
) -> bytes:
    """A line per series with a dot per value (a gap where a value is not shown), and each
    series' target as a dashed line of its colour."""
    canvas = Canvas()
    _frame(canvas, title, subtitle, note)
    left, right, bottom = 60.0, WIDTH - LEGEND_WIDTH, HEIGHT - (110 if len(labels) > 6 else 70)
    highest = max(
        [v for s in series for v in s.values if v is not None] + [s.target or 0.0 for s in series],
        default=0.0,
    )
    per_unit = _value_axis(canvas, ticks(highest), left, right, bottom)
    band = (right - left) / max(len(labels), 1)
    legend: list[tuple[str, str, str]] = []
    for one in series:
        runs: list[list[str]] = [[]]  # a value not shown breaks the line
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            x, y = left + (i + 0.5) * band, bottom - value * per_unit
            runs[-1].append(f"{x:.1f},{y:.1f}")
            canvas.parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{one.colour}">'
                f"<title>{escape(one.label)} {_number(value)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                canvas.parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{one.colour}" stroke-width="2"/>'
                )
        legend.append((one.label, one.colour, "line"))
        if one.target is not None:
            y = bottom - one.target * per_unit
            canvas.line(left, y, right, y, one.colour, {"stroke-dasharray": "6 4"})
            legend.append((one.target_label, one.colour, "dashed"))
    _category_labels(canvas, labels, left, band, bottom)
    _legend(canvas, legend, right + 16)
    return canvas.document(f"{title} {subtitle}")
