"""Small-number suppression: no hidden figure can be worked out from what a report publishes.

The checker here is independent of the code under test: it writes every
published line as an equation and asks, by the rank of the hidden figures'
coefficients, whether a hidden figure is pinned down by the shown ones.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from sotesilta.core.statistics.domain import disclosure
from sotesilta.core.statistics.domain.disclosure import TOTAL, Grid


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix if any(r)]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col]:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def recoverable(published: dict[tuple[str, ...], disclosure.Cell], lines: list[list[tuple[str, ...]]]) -> set:  # type: ignore[type-arg]
    """Hidden figures a reader can compute exactly: x is determined iff dropping its column lowers the rank."""
    hidden = sorted(k for k, c in published.items() if c.suppressed)
    matrix = [
        [
            Fraction(sum((-1 if n == len(line) - 1 else 1) for n, k in enumerate(line) if k == h))
            for h in hidden
        ]
        for line in lines
    ]
    full = _rank(matrix)
    return {h for i, h in enumerate(hidden) if _rank([row[:i] + row[i + 1 :] for row in matrix]) < full}


def _published(grids: dict[str, Grid]) -> tuple[dict, list]:  # type: ignore[type-arg]
    cells: dict[tuple[str, ...], disclosure.Cell] = {}
    lines: list[list[tuple[str, ...]]] = []
    any_grid = next(iter(grids.values()))
    columns = list(any_grid.total)
    for col, cell in any_grid.total.items():
        cells[(TOTAL, col)] = cell
    lines.append([(TOTAL, col) for col in columns])
    for part, grid in grids.items():
        assert grid.total == any_grid.total  # the shared total row reads the same in every table
        for name, row in grid.cells.items():
            for col, cell in row.items():
                cells[(part, name, col)] = cell
            lines.append([(part, name, col) for col in columns])
        for col in columns:
            lines.append([*((part, name, col) for name in grid.cells), (TOTAL, col)])
    return cells, lines


counts_of = st.dictionaries(st.sampled_from("abcd"), st.integers(0, 12), min_size=1)


@st.composite
def county_counts(draw):  # type: ignore[no-untyped-def]
    """Counts per municipality and month, as a county report reads them."""
    municipalities = draw(
        st.lists(st.sampled_from(["049", "444", "927", "224"]), min_size=1, max_size=3, unique=True)
    )
    months = draw(st.lists(st.sampled_from(["01", "02", "03", "04"]), min_size=1, max_size=4, unique=True))
    return {(m, month): draw(counts_of) for m in municipalities for month in months}


def _parts(counts):  # type: ignore[no-untyped-def]
    by_period: dict[str, dict[str, int]] = {}
    by_municipality: dict[str, dict[str, int]] = {}
    for (municipality, month), row in counts.items():
        for col, n in row.items():
            by_period.setdefault(month, {}).setdefault(col, 0)
            by_period[month][col] += n
            by_municipality.setdefault(municipality, {}).setdefault(col, 0)
            by_municipality[municipality][col] += n
    return {"period": by_period, "municipality": by_municipality}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["01", "02", "03", "04", "05"]), counts_of, min_size=1))
def test_no_hidden_figure_of_a_table_can_be_worked_out(counts):
    grid = disclosure.table(counts)
    cells, lines = _published({"rows": grid})
    assert recoverable(cells, lines) == set()


@settings(max_examples=300, deadline=None)
@given(county_counts())
def test_no_hidden_county_or_municipality_figure_can_be_worked_out(counts):
    parts = _parts(counts)
    grids = disclosure.tables(parts)
    cells, lines = _published(grids)
    assert recoverable(cells, lines) == set()
    for part, grid in grids.items():
        for name, row in parts[part].items():
            for col, cell in grid.cells[name].items():
                value = sum(row.values()) if col == TOTAL else row.get(col, 0)
                if 0 < value < disclosure.THRESHOLD:
                    assert cell.shown == disclosure.SUPPRESSED
                assert cell.suppressed or cell.value == value  # what is shown is true


def test_a_lone_hidden_municipality_takes_a_second_one_with_it():
    # Espoo 30, Lohja 3, Vihti 12 on a measure: the county total 45 is shown, so Lohja's 3
    # would be 45 - 30 - 12; the smallest other figure (Vihti's 12) is hidden with it
    grids = disclosure.tables(
        {"period": {"2026": {"x": 45}}, "municipality": {"049": {"x": 30}, "444": {"x": 3}, "927": {"x": 12}}}
    )
    shown = {name: row["x"].shown for name, row in grids["municipality"].cells.items()}
    assert shown == {"049": 30, "444": "<5", "927": "<5"}
    assert grids["municipality"].total["x"].shown == 45


def test_two_hidden_pairs_joined_by_one_figure_hide_one_more():
    """Every line has two hidden figures, yet the figure joining the pairs is still the rows' sum
    minus the columns' sum: the line rule alone would publish it."""
    counts = {
        "r1": {"a": 1, "b": 1, "c": 9, "d": 9},
        "r2": {"a": 1, "b": 1, "c": 2, "d": 9},
        "r3": {"a": 9, "b": 9, "c": 2, "d": 2},
        "r4": {"a": 9, "b": 9, "c": 9, "d": 2},
    }
    grid = disclosure.table(counts)
    cells, lines = _published({"rows": grid})
    assert recoverable(cells, lines) == set()
    hidden = {(n, c) for n, row in grid.cells.items() for c, cell in row.items() if cell.suppressed}
    assert {("r1", "a"), ("r2", "b"), ("r2", "c"), ("r3", "d")} <= hidden


def test_parts_that_do_not_add_up_to_the_same_totals_are_refused():
    import pytest

    with pytest.raises(ValueError, match="same totals"):
        disclosure.tables({"period": {"2026": {"x": 5}}, "municipality": {"049": {"x": 6}}})
