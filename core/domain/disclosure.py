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


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None when suppressed or undefined
    suppressed: bool = False

    @property
    def shown(self) -> int | float | str | None:
        return SUPPRESSED if self.suppressed else self.value


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
