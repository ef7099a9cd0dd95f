"""Small-number suppression for aggregate reports.

A count under the threshold is shown as "<5". When a row of cells adds up to
a total that is shown, one suppressed cell could be worked out by
subtraction, so the smallest other cell is suppressed with it (secondary
suppression). Means and shares computed from fewer than the threshold
people are suppressed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

THRESHOLD = 5
SUPPRESSED = "<5"

#: a figure as a report shows it: the number, "<5" when suppressed, None when undefined
Shown = int | float | str | None


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None when suppressed or undefined
    suppressed: bool = False

    @property
    def shown(self) -> Shown:
        return SUPPRESSED if self.suppressed else self.value


def shown(cells: Mapping[str, Cell]) -> dict[str, Shown]:
    """A row of cells as the report shows them."""
    return {key: cell.shown for key, cell in cells.items()}


def figure(value: Shown) -> int | float | None:
    """The number behind a shown figure: None when it is suppressed or undefined."""
    return None if value is None or isinstance(value, str) else value


def hidden(value: Shown) -> bool:
    """Whether a shown figure is suppressed."""
    return value == SUPPRESSED


def count(value: int, threshold: int = THRESHOLD) -> Cell:
    return Cell(None, True) if 0 < value < threshold else Cell(value)


def statistic(value: float | None, n: int, threshold: int = THRESHOLD) -> Cell:
    """A mean or a share computed over ``n`` people."""
    if value is None:
        return Cell(None)
    return Cell(None, True) if n < threshold else Cell(value)


def row(counts: Mapping[str, int], threshold: int = THRESHOLD) -> dict[str, Cell]:
    """Cells of a row whose total is shown: primary plus secondary suppression.

    Zero is not suppressed (it reveals nobody); a lone suppressed cell takes
    the smallest other non-zero cell with it, so neither can be derived from
    the total.
    """
    cells = {key: count(value, threshold) for key, value in counts.items()}
    hidden = [key for key, cell in cells.items() if cell.suppressed]
    if len(hidden) == 1:
        others = sorted((value, key) for key, value in counts.items() if key not in hidden and value > 0)
        if others:
            cells[others[0][1]] = Cell(None, True)
    return cells


TOTAL = "total"


@dataclass(frozen=True)
class Grid:
    """A suppressed table: ``cells[row][column]``, each row and the total row with a ``total`` column."""

    cells: dict[str, dict[str, Cell]]
    total: dict[str, Cell]


def table(counts: Mapping[str, Mapping[str, int]], threshold: int = THRESHOLD) -> Grid:
    """Cells of a table whose row totals, column totals and grand total are all shown.

    Every line (a row with its total, a column with its total) is an equation
    a reader can solve when exactly one of its terms is hidden. After primary
    suppression, a line with one hidden term hides its smallest other
    non-zero term too, until no line has exactly one; this is the usual
    "at least two per line" rule of statistical offices.
    """
    columns = list(dict.fromkeys(col for row in counts.values() for col in row))
    values: dict[tuple[str, str], int] = {}
    for name, row in counts.items():
        for col in columns:
            values[(name, col)] = row.get(col, 0)
        values[(name, TOTAL)] = sum(row.values())
    for col in [*columns, TOTAL]:
        values[(TOTAL, col)] = sum(values[(name, col)] for name in counts)
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    lines = [[(name, col) for col in [*columns, TOTAL]] for name in [*counts, TOTAL]] + [
        [(name, col) for name in [*counts, TOTAL]] for col in [*columns, TOTAL]
    ]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(key in hidden for key in line) != 1:
                continue
            others = sorted((values[key], key) for key in line if key not in hidden and values[key] > 0)
            if others:
                hidden.add(others[0][1])
                changed = True

    def cell(key: tuple[str, str]) -> Cell:
        return Cell(None, True) if key in hidden else Cell(values[key])

    return Grid(
        cells={name: {col: cell((name, col)) for col in [*columns, TOTAL]} for name in counts},
        total={col: cell((TOTAL, col)) for col in [*columns, TOTAL]},
    )
