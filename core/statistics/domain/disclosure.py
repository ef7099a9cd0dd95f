"""Small-number suppression for aggregate reports.

A count under the threshold is shown as "<5". When a row of cells adds up to
a total that is shown, one suppressed cell could be worked out by
subtraction, so the smallest other cell is suppressed with it (secondary
suppression). Means and shares computed from fewer than the threshold
people are suppressed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

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
    a reader can solve when exactly one of its terms is hidden; see ``tables``.
    """
    return tables({"rows": counts}, threshold)["rows"]


def tables(
    parts: Mapping[str, Mapping[str, Mapping[str, int]]], threshold: int = THRESHOLD
) -> dict[str, Grid]:
    """Several tables that split the same totals different ways, suppressed together.

    A county report shows its counts by period and by municipality: two
    tables whose total rows are one and the same row of figures. Each table
    is a set of lines (a row with its total, a column with its total), every
    line an equation. After primary suppression (1-4), a line with exactly
    one hidden term hides its smallest other non-zero term too, until no line
    has one (the "at least two per line" rule of statistical offices). A
    figure of the shared total row is hidden in every table or in none, so
    neither table gives away what the other hides. Last, the published
    figures are solved as a system of equations: a hidden figure that the
    others still pin down (two hidden pairs joined by one cell, say) takes
    one more figure with it, until none can be worked out.

    Every part must add up to the same totals.
    """
    columns = list(dict.fromkeys(col for part in parts.values() for row in part.values() for col in row))
    values: dict[_Key, int] = {}
    lines: list[list[_Key]] = []
    total_row: dict[str, int] | None = None
    for part, counts in parts.items():
        for name, row in counts.items():
            for col in columns:
                values[(part, name, col)] = row.get(col, 0)
            values[(part, name, TOTAL)] = sum(row.values())
            lines.append([(part, name, col) for col in [*columns, TOTAL]])
        sums = {col: sum(values[(part, name, col)] for name in counts) for col in [*columns, TOTAL]}
        if total_row is not None and sums != total_row:
            raise ValueError(f"the part {part!r} does not add up to the same totals")
        total_row = sums
        for col in [*columns, TOTAL]:
            lines.append([*((part, name, col) for name in counts), ("", TOTAL, col)])
    for col, value in (total_row or {}).items():
        values[("", TOTAL, col)] = value
    lines.append([("", TOTAL, col) for col in [*columns, TOTAL]])
    hidden = suppress(values, lines, threshold)

    def cell(key: _Key) -> Cell:
        return Cell(None, True) if key in hidden else Cell(values[key])

    total = {col: cell(("", TOTAL, col)) for col in [*columns, TOTAL]}
    return {
        part: Grid(
            cells={name: {col: cell((part, name, col)) for col in [*columns, TOTAL]} for name in counts},
            total=total,
        )
        for part, counts in parts.items()
    }


_Key = tuple[str, str, str]


def suppress(
    values: Mapping[_Key, int], lines: Sequence[Sequence[_Key]], threshold: int = THRESHOLD
) -> set[_Key]:
    """The figures to hide: those under ``threshold`` and enough others that none can be worked out.

    ``lines`` are equations: the terms before the last add up to the last.
    Zero is never hidden (it reveals nobody).
    """
    order = {key: (key[1], key[2], key[0]) for key in values}  # ties go by row and column
    hidden = {key for key, value in values.items() if 0 < value < threshold}

    def smallest_shown(keys: Iterable[_Key]) -> _Key | None:
        shown = [(values[k], order[k], k) for k in keys if k not in hidden and values[k] > 0]
        return min(shown)[2] if shown else None

    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(key in hidden for key in line) == 1:
                    extra = smallest_shown(line)
                    if extra is not None:
                        hidden.add(extra)
                        changed = True
        exposed = sorted(solvable(hidden, lines), key=order.__getitem__)
        if not exposed:
            return hidden
        near = [k for line in lines if exposed[0] in line for k in line]
        extra = smallest_shown(near) or smallest_shown(values)
        if extra is None:  # cannot happen: with every non-zero figure hidden, none can be solved
            return hidden
        hidden.add(extra)


def solvable(hidden: Iterable[_Key], lines: Sequence[Sequence[_Key]]) -> set[_Key]:
    """The hidden figures that the shown ones determine, whatever the hidden ones are.

    Each line reads ``sum(terms) - last = 0``; with the shown figures moved to
    the right-hand side, a hidden figure is determined exactly when its unit
    vector lies in the row space of the hidden figures' coefficients, that is
    when the reduced row echelon form has a row with that figure alone.
    Exact rational arithmetic; only lines with a hidden figure are kept.
    """
    unknown = set(hidden)
    rows: list[dict[_Key, Fraction]] = []
    for line in lines:
        row: dict[_Key, Fraction] = {}
        for n, key in enumerate(line):
            if key in unknown:
                row[key] = row.get(key, Fraction(0)) + (-1 if n == len(line) - 1 else 1)
        row = {k: v for k, v in row.items() if v}
        if row:
            rows.append(row)
    pivots: list[tuple[_Key, dict[_Key, Fraction]]] = []
    for row in rows:
        for key, reduced in pivots:
            factor = row.get(key)
            if factor:
                row = _minus(row, reduced, factor)
        if not row:
            continue
        key = min(row, key=lambda k: (len(str(k)), k))
        lead = row[key]
        row = {k: v / lead for k, v in row.items()}
        pivots = [(k, _minus(r, row, r[key]) if r.get(key) else r) for k, r in pivots]
        pivots.append((key, row))
    return {key for key, row in pivots if len(row) == 1}


def _minus(row: dict[_Key, Fraction], other: dict[_Key, Fraction], factor: Fraction) -> dict[_Key, Fraction]:
    out = dict(row)
    for k, v in other.items():
        value = out.get(k, Fraction(0)) - factor * v
        if value:
            out[k] = value
        else:
            out.pop(k, None)
    return out
