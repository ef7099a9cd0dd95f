"""Serialising feed events with icalendar, each event once per version of its content.

Every piece of a feed (header, VTIMEZONE, each VEVENT) is produced by
icalendar; a bounded cache keeps each event's bytes, so after one appointment
changes only that event is built again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock

import icalendar

from sotesilta.core.plugin_api import HELSINKI

REFRESH = "PT1H"  # what the feed asks for; Google and Outlook decide for themselves
PRODID = "-//sotesilta//calendar feed//FI"
UID_DOMAIN = "sotesilta"


@dataclass(frozen=True)
class FeedItem:
    """One event, exactly as rendered: hashable, so its serialisation can be cached."""

    uid: str
    sequence: int
    cancelled: bool
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    location: str | None = None
    url: str | None = None


# --- serialisation ----------------------------------------------------------------------


class _EventCache:
    """Serialised VEVENTs by their exact content; bounded, oldest out first.

    Keys are plain tuples of strings, numbers and datetimes: the garbage
    collector stops tracking such tuples, so a large cache does not lengthen
    its full passes (an object per entry would, and p99 would pay for it).
    """

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._items: dict[tuple[object, ...], bytes] = {}
        self._lock = Lock()

    def get(self, item: FeedItem) -> bytes:
        key = (
            item.uid,
            item.sequence,
            item.cancelled,
            item.starts_at,
            item.ends_at,
            item.stamp,
            item.summary,
            item.location,
            item.url,
        )
        found = self._items.get(key)
        if found is not None:
            return found
        built = event_bytes(item)
        with self._lock:
            self._items[key] = built
            if len(self._items) > self.size:
                del self._items[next(iter(self._items))]
        return built


EVENTS = _EventCache()


def wall_clock(instant: datetime) -> datetime:
    """Helsinki time with its TZID, except the repeated hour of an autumn night.

    A local time that occurs twice (03:00-04:00 on the last Sunday of October)
    means its first occurrence to every reader (RFC 5545); the second one can
    only be written in UTC.
    """
    local = instant.astimezone(HELSINKI)
    return instant.astimezone(UTC) if local.fold else local


def event_bytes(item: FeedItem) -> bytes:
    return event_of(item).to_ical()


def event_of(item: FeedItem) -> icalendar.Event:
    """The VEVENT of a feed item (an invitation adds its ORGANIZER and ATTENDEE to it)."""
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.stamp.astimezone(UTC))
    event.add("last-modified", item.stamp.astimezone(UTC))
    event.add("sequence", item.sequence)
    event.add("dtstart", wall_clock(item.starts_at))
    event.add("dtend", wall_clock(item.ends_at))
    event.add("summary", item.summary)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    event.add("class", "PRIVATE")
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
        event.add("description", item.url)
    return event


#: Europe/Helsinki as Google and Outlook write it: yearly rules, not a list of dates. A
#: multi-valued RDATE line is valid iCalendar, but ical.js (Thunderbird's code base) reads
#: only its first date and shifted every event after the next spring change by an hour.
#: Summer time begins on the last Sunday of March at 03:00 (EET, 01:00 UTC) and ends on the
#: last Sunday of October at 04:00 (EEST, 01:00 UTC), as the EU has set since 1996.
HELSINKI_VTIMEZONE = (
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:Europe/Helsinki\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"TZNAME:EEST\r\n"
    b"TZOFFSETFROM:+0200\r\n"
    b"TZOFFSETTO:+0300\r\n"
    b"DTSTART:19700329T030000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    b"END:DAYLIGHT\r\n"
    b"BEGIN:STANDARD\r\n"
    b"TZNAME:EET\r\n"
    b"TZOFFSETFROM:+0300\r\n"
    b"TZOFFSETTO:+0200\r\n"
    b"DTSTART:19701025T040000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    b"END:STANDARD\r\n"
    b"END:VTIMEZONE\r\n"
)


def calendar_head(name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Helsinki")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    text = cal.to_ical()
    return text[: text.rindex(b"END:VCALENDAR")]


def assemble(name: str, items: list[FeedItem]) -> bytes:
    """Header, VTIMEZONE and each cached VEVENT: every piece serialised by icalendar."""
    items = sorted(items, key=lambda i: (i.starts_at, i.uid))
    return b"".join(
        [calendar_head(name), HELSINKI_VTIMEZONE, *(EVENTS.get(i) for i in items), b"END:VCALENDAR\r\n"]
    )
