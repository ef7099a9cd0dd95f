"""Guidance sessions and their slots: repeat rules, closing days, local time.

Times of day are Europe/Helsinki wall-clock times; every instant that leaves
this module is aware UTC. Daylight-saving changes happen at 03:00/04:00 local
time, outside any reception hours, so a 9-15 session is 9-15 on both change
days (and 6 or 7 hours apart in UTC, as it should be).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from sotesilta.core.kernel.clock import local_to_utc
from sotesilta.core.kernel.errors import InputInvalid


class SessionMode(StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"  # video guidance


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


MIN_SLOT_MINUTES = 10
MAX_SLOT_MINUTES = 240
MAX_INTERVAL_WEEKS = 8


@dataclass(frozen=True)
class TimeRange:
    """A wall-clock range within one day, start inclusive, end exclusive."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise InputInvalid(f"{self.start:%H:%M}-{self.end:%H:%M} ends before it starts")

    def overlaps(self, start: time, end: time) -> bool:
        return self.start < end and start < self.end

    def contains(self, other: TimeRange) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class ClosingDayPolicy:
    """Which days a municipality's stations are closed.

    Statutory public holidays always close. The ``holidays`` package also lists
    Midsummer Eve and Christmas Eve, which are not statutory: closing on them
    is the municipality's choice.
    """

    closed_on_midsummer_eve: bool = True
    closed_on_christmas_eve: bool = True
    extra_closed_dates: frozenset[date] = field(default_factory=frozenset)

    def is_closed(self, day: date) -> bool:
        if day in self.extra_closed_dates:
            return True
        name = _finnish_holidays(day.year).get(day)
        if name is None:
            return False
        if name == "Midsummer Eve":
            return self.closed_on_midsummer_eve
        if name == "Christmas Eve":
            return self.closed_on_christmas_eve
        return True


@lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("FI", years=year, language="en_US").items())


@dataclass(frozen=True)
class SessionPattern:
    """A repeat rule: e.g. every second Tuesday 9-15, 45-minute slots, lunch 11:30-12."""

    weekday: int  # 0 = Monday
    hours: TimeRange
    interval_weeks: int
    anchor: date  # the first occurrence; fixes which weeks are "on"
    until: date | None = None
    slot_minutes: int = 45
    breaks: tuple[TimeRange, ...] = ()
    walk_in: TimeRange | None = None
    walk_in_capacity: int = 0
    booked_slots: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InputInvalid("weekday must be 0 (Monday) to 6 (Sunday)", field="weekday")
        if self.anchor.weekday() != self.weekday:
            raise InputInvalid("the first date must fall on the rule's weekday", field="first_date")
        if not 1 <= self.interval_weeks <= MAX_INTERVAL_WEEKS:
            raise InputInvalid(f"interval must be 1-{MAX_INTERVAL_WEEKS} weeks", field="interval_weeks")
        if self.until is not None and self.until < self.anchor:
            raise InputInvalid("the rule ends before its first date", field="until")
        if not MIN_SLOT_MINUTES <= self.slot_minutes <= MAX_SLOT_MINUTES:
            raise InputInvalid(
                f"slot length must be {MIN_SLOT_MINUTES}-{MAX_SLOT_MINUTES} minutes", field="slot_minutes"
            )
        for pause in self.breaks:
            if not self.hours.contains(pause):
                raise InputInvalid("a break lies outside the session's hours", field="breaks")
        if self.walk_in is not None:
            if not self.hours.contains(self.walk_in):
                raise InputInvalid("the walk-in time lies outside the session's hours", field="walk_in")
            if not 1 <= self.walk_in_capacity <= 200:
                raise InputInvalid("walk-in capacity must be 1-200", field="walk_in_capacity")
        elif self.walk_in_capacity:
            raise InputInvalid("walk-in capacity needs walk-in hours", field="walk_in_capacity")
        if not self.booked_slots and self.walk_in is None:
            raise InputInvalid("a session needs booked slots, walk-in time, or both")
        if self.booked_slots and not self.slot_times():
            raise InputInvalid("no slot fits in the session's hours", field="slot_minutes")

    def dates(self, start: date, end: date) -> Iterator[date]:
        """Occurrences in ``[start, end)``, before closing days are removed."""
        first = max(start, self.anchor)
        offset = (first - self.anchor).days
        step = 7 * self.interval_weeks
        day = self.anchor + timedelta(days=-(-offset // step) * step)
        last = end if self.until is None else min(end, self.until + timedelta(days=1))
        while day < last:
            yield day
            day += timedelta(days=step)

    def slot_times(self) -> list[TimeRange]:
        """Wall-clock slots: consecutive, skipping breaks and the walk-in time."""
        if not self.booked_slots:
            return []
        blocked = [*self.breaks, *([self.walk_in] if self.walk_in else [])]
        slots = []
        cursor = datetime.combine(date(2000, 1, 3), self.hours.start)
        end = datetime.combine(date(2000, 1, 3), self.hours.end)
        length = timedelta(minutes=self.slot_minutes)
        while cursor + length <= end:
            start_t, end_t = cursor.time(), (cursor + length).time()
            clash = next((b for b in blocked if b.overlaps(start_t, end_t)), None)
            if clash is not None:
                cursor = datetime.combine(cursor.date(), clash.end)
                continue
            slots.append(TimeRange(start_t, end_t))
            cursor += length
        return slots


@dataclass(frozen=True)
class PlannedSession:
    day: date
    starts_at: datetime
    ends_at: datetime
    walk_in_starts_at: datetime | None
    walk_in_ends_at: datetime | None
    slots: tuple[tuple[datetime, datetime], ...]


def plan_sessions(
    pattern: SessionPattern, start: date, end: date, closing: ClosingDayPolicy
) -> list[PlannedSession]:
    """The sessions a rule yields in ``[start, end)``, closing days skipped, in UTC."""
    planned = []
    slot_times = pattern.slot_times()
    for day in pattern.dates(start, end):
        if closing.is_closed(day):
            continue
        walk_in = pattern.walk_in
        planned.append(
            PlannedSession(
                day=day,
                starts_at=local_to_utc(day, pattern.hours.start),
                ends_at=local_to_utc(day, pattern.hours.end),
                walk_in_starts_at=local_to_utc(day, walk_in.start) if walk_in else None,
                walk_in_ends_at=local_to_utc(day, walk_in.end) if walk_in else None,
                slots=tuple((local_to_utc(day, s.start), local_to_utc(day, s.end)) for s in slot_times),
            )
        )
    return planned
