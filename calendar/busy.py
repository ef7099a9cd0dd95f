"""Busy blocks from an iCalendar file: only when each event is busy, never what it is.

The file is untrusted input. Expansion is bounded three ways: each repeating
rule's repetitions are estimated arithmetically before dateutil walks it,
occurrences are counted one by one, and the whole expansion has a time budget;
so a hostile or broken calendar costs a few seconds at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]  # it ships no type information
from icalendar.cal.component import Component

from sotesilta.calendar import file_zones
from sotesilta.core.plugin_api import HELSINKI, InputInvalid

if TYPE_CHECKING:
    from recurring_ical_events.occurrence import (  # type: ignore[import-untyped]  # no type information
        Occurrence,
    )

MAX_EVENTS = 5000
#: repetitions dateutil may have to walk through, from a series' start to the window's end
MAX_REPETITIONS = 200_000
EXPANSION_SECONDS = 5.0

Block = tuple[datetime, datetime]


def parse_busy(
    ics: bytes,
    window_start: datetime,
    window_end: datetime,
    max_events: int = MAX_EVENTS,
    *,
    time_budget: float = EXPANSION_SECONDS,
) -> list[Block]:
    """The busy blocks of an iCalendar file in the window: aware UTC, sorted, merged, clipped.

    Recurring events are expanded in their own zone (so a weekly 9:00 stays 9:00
    local across a daylight-saving change), a zone the file defines under an
    unknown name included (``file_zones``); floating times, all-day events and
    zones neither known nor sanely defined are Europe/Helsinki. Transparent
    (free) and cancelled events block nothing.
    """
    calendar = _read_calendar(ics)
    _check_repetitions(calendar, window_start, window_end, max_events)
    # floating and all-day series are compared in their own wall time: query a day wider, clip after
    span_start, span_end = window_start - timedelta(days=1), window_end + timedelta(days=1)
    deadline = monotonic() + time_budget
    blocks: list[Block] = []
    seen = 0
    try:
        for series in recurring_ical_events.of(calendar).series:
            # one series at a time, one occurrence at a time: nothing is expanded past the limits
            for occurrence in series.between(span_start, span_end):
                seen += 1
                if seen > max_events:
                    raise InputInvalid(f"the calendar has more than {max_events} events in the window")
                block = _busy_block(occurrence)
                if block is not None:
                    blocks.append(block)
                _check_deadline(deadline, time_budget)
            _check_deadline(deadline, time_budget)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise InputInvalid(f"not a usable iCalendar file: {_reason(exc)}", field="ics") from None
    return merge_blocks(blocks, window_start, window_end)


def merge_blocks(blocks: Iterable[Block], window_start: datetime, window_end: datetime) -> list[Block]:
    """Clip to the window, sort, and join blocks that overlap or touch."""
    merged: list[Block] = []
    for start, end in sorted((max(s, window_start), min(e, window_end)) for s, e in blocks):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _read_calendar(ics: bytes) -> icalendar.Calendar:
    try:
        # zones are known by name (IANA or Windows); a file's own definition only for its unknown names
        without_zones, zone_blocks = file_zones.split(ics)
        calendar = icalendar.Calendar.from_ical(without_zones)
    except Exception as exc:  # the parser raises assorted errors on garbage
        raise InputInvalid(f"not an iCalendar file: {_reason(exc)}", field="ics") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise InputInvalid("not an iCalendar file: it has no VCALENDAR", field="ics")
    zones = file_zones.usable(zone_blocks)
    for event in calendar.walk("VEVENT"):
        file_zones.place(event, zones)
        for name, problem in getattr(event, "errors", ()):
            raise InputInvalid(f"an event's {name} is not valid: {problem}", field="ics")
        if "DTSTART" not in event:
            raise InputInvalid("an event has no DTSTART", field="ics")
        if "DTEND" in event and _ends_before_start(_when(event, "DTSTART"), _when(event, "DTEND")):
            start = _moment(_when(event, "DTSTART"))
            raise InputInvalid(f"an event starting {_local(start)} ends before it starts", field="ics")
    return calendar


def _when(event: Component, name: str) -> date | datetime:
    """An event's DTSTART or DTEND: a day or a moment; anything else is refused."""
    value = event.decoded(name)
    if not isinstance(value, date):  # a datetime is a date too
        raise InputInvalid(f"an event's {name} is not a date or a time", field="ics")
    return value


def _ends_before_start(start: date | datetime, end: date | datetime) -> bool:
    """In wall-clock time when both share a zone (as the expansion counts), else in UTC."""
    if isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo is end.tzinfo:
        return end.replace(tzinfo=None) < start.replace(tzinfo=None)
    return _moment(end) < _moment(start)


def _busy_block(occurrence: Occurrence) -> Block | None:
    event = occurrence.as_component(False)
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE":  # Outlook's "show as free"
        return None
    start, end = occurrence.start, occurrence.end
    if not isinstance(start, datetime):  # all day: the whole local days
        last = end if isinstance(end, date) and not isinstance(end, datetime) and end > start else None
        return _moment(start), _moment(last or start + timedelta(days=1))
    begins, ends = _moment(start), _moment(end)
    return (begins, ends) if begins < ends else None


def _moment(value: date | datetime) -> datetime:
    """Aware UTC: a date is its Helsinki midnight, a floating time is Helsinki time."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), HELSINKI).astimezone(UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=HELSINKI).astimezone(UTC)
    return value.astimezone(UTC)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(HELSINKI):%Y-%m-%d %H:%M}"


def _check_deadline(deadline: float, budget: float) -> None:
    if monotonic() > deadline:
        raise InputInvalid(f"the calendar is too complex to expand within {budget:g} s", field="ics")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


# Repetition guard. dateutil walks a rule from its DTSTART and keeps every
# repetition it yields, so a rule repeating every second (or hourly since 1970)
# would eat memory before the first occurrence could be counted. Estimate each
# rule's repetitions arithmetically first and refuse the explosive ones.

_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,
    "YEARLY": 365 * 86400,
}
_RANK = {name: rank for rank, name in enumerate(_FREQ_SECONDS)}


def _check_repetitions(
    calendar: icalendar.Calendar, window_start: datetime, window_end: datetime, max_events: int
) -> None:
    for event in calendar.walk("VEVENT"):
        rules = event.get("RRULE")
        if rules is None:
            continue
        start = _moment(_when(event, "DTSTART"))
        for rule in rules if isinstance(rules, list) else [rules]:
            freq = _first(rule, "FREQ", "")
            if str(freq).upper() not in _FREQ_SECONDS:
                raise InputInvalid(f"an event repeats with an unknown FREQ {freq!r}", field="ics")
            until = window_end
            if rule.get("UNTIL"):
                last = _first(rule, "UNTIL", window_end)
                if not isinstance(last, date):  # a datetime is a date too
                    raise InputInvalid("an event repeats until something that is not a time", field="ics")
                until = min(until, _moment(last))
            inside = _repetitions(rule, max(start, window_start), until)
            if inside > max_events:
                raise InputInvalid(
                    f"the calendar has more than {max_events} events in the window "
                    f"(an event repeats {str(freq).lower()})",
                    field="ics",
                )
            if _repetitions(rule, start, until) > MAX_REPETITIONS:
                raise InputInvalid(
                    f"an event repeating {str(freq).lower()} since {start:%Y-%m-%d} has too many "
                    f"repetitions (over {MAX_REPETITIONS}) to expand",
                    field="ics",
                )


def _first(rule: dict[str, list[object]], key: str, default: object) -> object:
    values = rule.get(key) or [default]
    return values[0]


def _repetitions(rule: dict[str, list[object]], start: datetime, until: datetime) -> float:
    """About how many times a rule repeats from ``start`` to ``until`` (on the high side)."""
    if until < start:
        return 0
    freq = str(_first(rule, "FREQ", "")).upper()
    rank = _RANK[freq]
    interval = max(1, int(str(_first(rule, "INTERVAL", 1))))
    periods = (until - start).total_seconds() / (_FREQ_SECONDS[freq] * interval) + 1
    per_period = 1.0

    def size(part: str) -> int:
        return len(rule.get(part) or ())

    # parts finer than the frequency multiply; parts at or above it filter
    for part, own_rank, whole in (("BYSECOND", 0, 60), ("BYMINUTE", 1, 60), ("BYHOUR", 2, 24)):
        if size(part):
            per_period *= size(part) if rank > own_rank else size(part) / whole
    for part, expand, whole in (
        ("BYDAY", {"WEEKLY": 1, "MONTHLY": 5, "YEARLY": 53}, 7),
        ("BYMONTHDAY", {"MONTHLY": 1, "YEARLY": 12}, 28),
        ("BYYEARDAY", {"YEARLY": 1}, 365),
        ("BYWEEKNO", {"YEARLY": 7}, 52),
        ("BYMONTH", {"YEARLY": 1}, 12),
    ):
        if size(part):
            per_period *= size(part) * expand[freq] if freq in expand else min(1.0, size(part) / whole)
    if size("BYSETPOS"):
        per_period = min(per_period, size("BYSETPOS"))
    estimate = periods * per_period
    if rule.get("COUNT"):
        estimate = min(estimate, int(str(_first(rule, "COUNT", 0))))
    return estimate


__all__ = ["MAX_EVENTS", "Block", "merge_blocks", "parse_busy"]
