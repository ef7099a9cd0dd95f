"""Import monthly figures kept before the system (e.g. Espoo's since 2017) from CSV.

The file has a header ``month,measure,category,value`` and one line per
month, measure and category (``2017-01,staff_referrals,staff,23``). A file is
checked whole before anything is written: one bad line refuses the file,
naming the line. Figures for a month, measure and category already imported
are replaced, so a corrected file can be imported again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, tuple_
from sqlmodel import col

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.domain.reports import (
    CODE_LISTS,
    FIRST_YEAR,
    FIXED_COLUMNS,
    HISTORICAL_MEASURES,
    LAST_YEAR,
    Measure,
)
from sotesilta.core.statistics.tables import StatisticHistory

COLUMNS = ("month", "measure", "category", "value")
MAX_LINES = 100_000
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CATEGORY = re.compile(r"^[a-z0-9_]{1,64}$")


@dataclass(frozen=True)
class ImportResult:
    municipality: str
    lines: int
    first_month: date | None
    last_month: date | None


def parse_history(text: str) -> list[tuple[date, Measure, str, int]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != COLUMNS:
        raise InputInvalid(f"the first line must be the header {','.join(COLUMNS)}", field="file")
    out: list[tuple[date, Measure, str, int]] = []
    seen: set[tuple[date, Measure, str]] = set()
    for number, line in enumerate(reader, start=2):
        if not line or all(not cell.strip() for cell in line):
            continue
        if len(out) >= MAX_LINES:
            raise InputInvalid(f"at most {MAX_LINES} lines per file", field="file")
        if len(line) != len(COLUMNS):
            raise InputInvalid(
                f"line {number}: expected {len(COLUMNS)} fields, got {len(line)}", field="file"
            )
        month_text, measure_text, category, value_text = (cell.strip() for cell in line)
        match = _MONTH.match(month_text)
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
        ):
            raise InputInvalid(f"line {number}: month {month_text!r} is not YYYY-MM", field="file")
        try:
            measure = Measure(measure_text)
        except ValueError:
            measure = None
        if measure not in HISTORICAL_MEASURES:
            known = ", ".join(sorted(m.value for m in HISTORICAL_MEASURES))
            raise InputInvalid(f"line {number}: measure {measure_text!r} is not one of {known}", field="file")
        if not _CATEGORY.match(category):
            raise InputInvalid(f"line {number}: category {category!r} is not a code", field="file")
        if not value_text.isdigit() or int(value_text) >= 1_000_000_000:
            raise InputInvalid(f"line {number}: value {value_text!r} is not a whole number", field="file")
        month = date(int(match.group(1)), int(match.group(2)), 1)
        key = (month, measure, category)
        if key in seen:
            raise InputInvalid(f"line {number}: {month_text} {measure_text} {category} repeats", field="file")
        seen.add(key)
        out.append((month, measure, category, int(value_text)))
    return out


def _check_categories(uow: UnitOfWork, municipality: str, rows: list[tuple[date, Measure, str, int]]) -> None:
    """Each category is one its measure has: the fixed ones, or a code of the municipality's
    code list (a code kept only before the system must be listed by its plugin too). A typo
    would else become a column of its own and add to the totals."""
    known: dict[Measure, frozenset[str]] = {}
    for number, (_month, measure, category, _value) in enumerate(rows, start=2):
        if measure not in known:
            if measure in FIXED_COLUMNS:
                known[measure] = frozenset(FIXED_COLUMNS[measure])
            else:
                entries = uow.plugins.code_lists.entries(CODE_LISTS[measure], municipality)
                known[measure] = frozenset(e.code for e in entries)
        if category not in known[measure]:
            listed = ", ".join(sorted(known[measure])) or "none"
            raise InputInvalid(
                f"line {number}: {category!r} is not a category of {measure.value} here (known: {listed})",
                field="file",
            )


def import_history(
    uow: UnitOfWork,
    *,
    municipality: str,
    text: str,
    source: str,
) -> ImportResult:
    registry, now = uow.plugins.municipalities, uow.now
    if registry.get(municipality) is None:
        raise InputInvalid(f"no municipality {municipality} is registered", field="municipality")
    rows = parse_history(text)
    _check_categories(uow, municipality, rows)
    session = uow.session
    keys = [(month, measure.value, category) for month, measure, category, _ in rows]
    for start in range(0, len(keys), 500):  # bounded IN lists
        session.execute(
            delete(StatisticHistory).where(
                col(StatisticHistory.municipality_code) == municipality,
                tuple_(
                    col(StatisticHistory.month), col(StatisticHistory.measure), col(StatisticHistory.category)
                ).in_(keys[start : start + 500]),
            )
        )
    session.add_all(
        StatisticHistory(
            municipality_code=municipality,
            month=month,
            measure=measure.value,
            category=category,
            value=value,
            source=source[:200],
            imported_at=now,
        )
        for month, measure, category, value in rows
    )
    uow.commit()
    months = [month for month, *_ in rows]
    return ImportResult(municipality, len(rows), min(months, default=None), max(months, default=None))
