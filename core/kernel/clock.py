"""Time source. Everything is aware UTC; Europe/Helsinki is for display only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from sotesilta.core.kernel.errors import InputInvalid

HELSINKI = ZoneInfo("Europe/Helsinki")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values are refused, never guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: every time must carry its zone")
    return value.astimezone(UTC)


def require_aware(value: datetime | None, field: str) -> datetime | None:
    """A time given by a caller must carry its zone: a naive one is refused, never guessed."""

    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InputInvalid("give the time with its zone, e.g. 2026-03-03T09:00:00+02:00", field=field)
    return value


def local_to_utc(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=HELSINKI).astimezone(UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(HELSINKI).date()
