"""Charts written as SVG without a plotting library: well-formed, drawn to scale, the same
bytes for the same table, and nothing drawn for a value the table does not show."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.statistics.service import svg_chart
from sotesilta.core.statistics.service.svg_chart import Series

SVG = "{http://www.w3.org/2000/svg}"


def parsed(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{SVG}svg"
    return root


def bar_titles(root: ET.Element) -> list[str]:
    """The title of every bar (legend boxes have only their series' label)."""
    return [t.text or "" for r in root.iter(f"{SVG}rect") if (t := r.find(f"{SVG}title")) is not None]


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_the_value_axis_reaches_the_tallest_value_in_round_steps(top: float) -> None:
    scale = svg_chart.ticks(top)
    assert scale[0] == 0 and scale[-1] >= top
    step = scale[1] - scale[0]
    assert all(math.isclose(b - a, step, rel_tol=1e-6) for a, b in itertools.pairwise(scale))
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5, 10))
    assert len(scale) <= 7  # a readable axis, never a comb


def test_stacked_bars_are_drawn_to_scale_and_leave_a_hidden_value_out() -> None:
    body = svg_chart.bars(
        "Visits",
        "Espoo · 2026",
        ["2026-01", "2026-02"],
        [Series("realised", [40, 20], "#111111"), Series("no-show", [None, 5], "#222222")],
        stacked=True,
        note="Figures under 5 are left out.",
    )
    root = parsed(body)
    titles = bar_titles(root)
    assert "2026-01: realised 40" in titles and "2026-02: no-show 5" in titles
    assert not any(t.startswith("2026-01: no-show") for t in titles)
    heights = {
        r.find(f"{SVG}title").text: float(r.get("height", 0))  # type: ignore[union-attr]
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None and ":" in (r.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
    }
    assert math.isclose(heights["2026-01: realised 40"], 2 * heights["2026-02: realised 20"], rel_tol=1e-3)
    # the stacked bar sits on the one below it
    rects = {
        r.find(f"{SVG}title").text: r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None
    }  # type: ignore[union-attr]
    below, above = rects["2026-02: realised 20"], rects["2026-02: no-show 5"]
    assert math.isclose(
        float(above.get("y")) + float(above.get("height")), float(below.get("y")), abs_tol=0.2
    )  # type: ignore[arg-type]
    assert "Figures under 5 are left out." in body.decode()


def test_the_same_table_is_the_same_bytes() -> None:
    def draw() -> bytes:
        return svg_chart.totals(
            "Topics",
            "Lohja · 2026",
            [("Housing", 12.0, 9.0), ("Debt", 30.0, None)],
            "#1f5fa8",
            ("2026", "2025"),
            None,
        )

    assert draw() == draw()
    root = parsed(draw())
    assert {"Housing, 2026: 12", "Housing, 2025: 9", "Debt, 2026: 30"} <= set(bar_titles(root))
    assert not any(t.startswith("Debt, 2025") for t in bar_titles(root))


def test_a_value_not_shown_breaks_the_line_instead_of_joining_across_it() -> None:
    body = svg_chart.lines(
        "Against targets",
        "Päijät-Häme · 2026",
        ["Q1", "Q2", "Q3", "Q4"],
        [Series("change %", [20.0, None, 24.0, 26.0], "#1f5fa8", 25.0, "target: change")],
        None,
    )
    root = parsed(body)
    lines = [p.get("points", "").split() for p in root.iter(f"{SVG}polyline")]
    assert [len(points) for points in lines] == [2]  # Q3-Q4; Q1 stands alone
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    dashed = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 2  # the target and its legend mark


@given(
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=12),
    st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=12, max_size=12),
)
def test_any_labels_and_values_give_well_formed_svg(labels: list[str], values: list[int | None]) -> None:
    """Titles, labels and categories may hold any text (a plugin's names): always escaped."""
    row = [None if v is None else float(v) for v in values[: len(labels)]]
    for body in (
        svg_chart.bars(
            labels[0], "<&>", labels, [Series(labels[-1], row, "#111111")], stacked=False, note="<5"
        ),
        svg_chart.lines(labels[0], '"q"', labels, [Series(labels[-1], row, "#111111", 3.0, "&")], None),
        svg_chart.totals(
            labels[0], "'", [(x, v or 0.0, None) for x, v in zip(labels, row, strict=True)], "#1", None, None
        ),
    ):
        parsed(body)
