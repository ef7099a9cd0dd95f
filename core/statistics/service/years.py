"""The years a report has figures for, so the page opens on the latest and offers each one.

Read by seeking, not by grouping: the earliest row of a source on or after a
year's first moment names the next year with data, and the index by
municipality and time answers that at once, however many visits a year holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.kernel.clock import HELSINKI, local_to_utc
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.public import IntensivePeriod
from sotesilta.core.scheduling.public import Booking
from sotesilta.core.statistics.domain.reports import COUNT_MEASURES, FIRST_YEAR, Measure
from sotesilta.core.statistics.tables import StatisticHistory
from sotesilta.core.visits.public import Visit


def _year_of(value: date | datetime) -> int:
    return value.astimezone(HELSINKI).year if isinstance(value, datetime) else value.year


def _seek_years(uow: UnitOfWork, column: Any, scope: Any, *, last_year: int, instants: bool) -> set[int]:
    """Each year (up to ``last_year``) in which ``column`` has a row within ``scope``."""
    found: set[int] = set()
    year = FIRST_YEAR
    while year <= last_year:
        lower: date | datetime = local_to_utc(date(year, 1, 1), time(0)) if instants else date(year, 1, 1)
        first = uow.session.scalar(select(func.min(column)).where(scope, column >= lower))
        if first is None:
            break
        year = _year_of(first)
        if year <= last_year:
            found.add(year)
        year += 1
    return found


def years_with_data(
    uow: UnitOfWork, codes: Sequence[str], measures: set[Measure], *, today: date
) -> list[int]:
    """The years, latest first and none after this one, in which ``codes`` have something a
    report of ``measures`` counts: bookings, visits, imported history, intensive periods."""
    last = today.year
    years: set[int] = set()
    if measures & COUNT_MEASURES:
        booking_scope = col(Booking.municipality_code).in_(codes)
        years |= _seek_years(uow, col(Booking.booked_at), booking_scope, last_year=last, instants=True)
        years |= _seek_years(uow, col(Booking.starts_at), booking_scope, last_year=last, instants=True)
        visit_scope = col(Visit.municipality_code).in_(codes)
        years |= _seek_years(uow, col(Visit.occurred_at), visit_scope, last_year=last, instants=True)
        history_scope = col(StatisticHistory.municipality_code).in_(codes)
        years |= _seek_years(uow, col(StatisticHistory.month), history_scope, last_year=last, instants=False)
    if Measure.REHAB_OUTCOMES in measures:
        period_scope = col(IntensivePeriod.municipality_code).in_(codes)
        for day in (col(IntensivePeriod.starts_on), col(IntensivePeriod.ended_on)):
            years |= _seek_years(uow, day, period_scope, last_year=last, instants=False)
        still_open = uow.session.scalar(
            select(func.count()).where(
                period_scope, col(IntensivePeriod.ended_on).is_(None), col(IntensivePeriod.starts_on) <= today
            )
        )
        if still_open:
            years.add(last)  # a period open now has contacts this year
    return sorted(years, reverse=True)
