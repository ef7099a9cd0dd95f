"""A calendar file's own time-zone definitions, read for that file only and only when sane.

Outlook writes a zone it cannot name as "Customized Time Zone 1" with a VTIMEZONE
beside it; Exchange and older clients do the same under other names. Such a
definition is the only source of the events' offsets, so it is used when its name
is unknown (an IANA or Windows name is always read as that zone).

It is never handed to icalendar's parser: icalendar remembers every VTIMEZONE it
parses for the whole process, first one wins, so one calendar would redefine the
zone for every calendar read after it. dateutil's ``tzical`` builds the zone
for this file alone. The definition is untrusted too: only yearly rules and a
bounded number of dates are accepted (a zone changing every second since 1601
would make each offset lookup walk through billions of changes); anything else
leaves the zone unknown, read as Helsinki time as before.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from io import StringIO

from dateutil.tz import tzical
from icalendar.cal.component import Component
from icalendar.parser import Contentline, Contentlines
from icalendar.prop import vDDDLists, vDDDTypes
from icalendar.timezone import tzp

MAX_ZONES = 20
MAX_OBSERVANCES = 12  # STANDARD and DAYLIGHT parts of one zone
MAX_DATES = 200  # RDATE values in one zone
EARLIEST_YEAR = 1583  # the Gregorian calendar's first whole year; Outlook writes 1601
#: the properties whose times a TZID parameter places in a zone
ZONED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


def split(ics: bytes) -> tuple[bytes, list[list[Contentline]]]:
    """The file without its VTIMEZONE blocks, and the blocks' content lines (folded lines joined)."""
    kept, blocks, current, depth = Contentlines(), [], Contentlines(), 0
    for line in Contentlines.from_ical(ics):
        begins_or_ends = line[:3].upper() == "END" or line[:5].upper() == "BEGIN"
        name, value = _name_and_value(line) if begins_or_ends else ("", "")
        if value == "VTIMEZONE" and name in ("BEGIN", "END"):
            if name == "BEGIN":
                depth += 1
            else:
                depth = max(0, depth - 1)
            current.append(line)
            if depth == 0:
                blocks.append(list(current))
                current = Contentlines()
            continue
        if depth:
            current.append(line)
        else:
            kept.append(line)
    return bytes(kept.to_ical()), blocks


def usable(blocks: list[list[Contentline]]) -> dict[str, tzinfo]:
    """The zones the file defines under names icalendar does not know, where the definition is sane."""
    zones: dict[str, tzinfo] = {}
    for block in blocks[:MAX_ZONES]:
        name = _tzid(block)
        if not name or name in zones or tzp.timezone(name) is not None or not _sane(block):
            continue
        zone = _read(block)
        if zone is not None:
            zones[name] = zone
    return zones


def _read(block: list[Contentline]) -> tzinfo | None:
    try:
        zone = tzical(StringIO("\r\n".join(str(line) for line in block) + "\r\n")).get()
        datetime(2026, 1, 1, tzinfo=zone).utcoffset()  # reads its rules once: broken ones fail here
    except Exception:  # dateutil raises assorted errors on a broken definition
        return None
    return zone


def place(component: Component, zones: dict[str, tzinfo]) -> None:
    """Give the floating times of ``component`` that name one of ``zones`` that zone."""
    if not zones:
        return
    for name in ZONED:
        values = component.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value is None:
                continue
            zone = zones.get(str(value.params.get("TZID", "")))
            if zone is None:
                continue
            for one in value.dts if isinstance(value, vDDDLists) else [value]:
                moment = one.dt if isinstance(one, vDDDTypes) else None
                if isinstance(moment, datetime) and moment.tzinfo is None:  # floating: as read
                    one.dt = moment.replace(tzinfo=zone)


def _name_and_value(line: Contentline) -> tuple[str, str]:
    try:
        name, _, value = line.parts()
    except ValueError:
        return "", ""
    return name.upper(), str(value).upper()


def _tzid(block: list[Contentline]) -> str:
    for line in block:
        try:
            name, _, value = line.parts()
        except ValueError:
            continue
        if name.upper() == "TZID":
            return str(value)
    return ""


def _sane(block: list[Contentline]) -> bool:
    """Yearly rules, a bounded number of dates and parts, none before the Gregorian calendar."""
    observances = dates = 0
    for line in block:
        try:
            name, _, value = line.parts()
        except ValueError:
            return False
        name, value = name.upper(), str(value)
        if name == "BEGIN" and value.upper() in ("STANDARD", "DAYLIGHT"):
            observances += 1
        elif name == "RRULE":
            rule = dict(part.partition("=")[::2] for part in value.upper().split(";"))
            if rule.get("FREQ") != "YEARLY":
                return False
        elif name == "RDATE":
            dates += value.count(",") + 1
        elif name == "DTSTART" and not _from_gregorian(value):
            return False
    return 0 < observances <= MAX_OBSERVANCES and dates <= MAX_DATES


def _from_gregorian(value: str) -> bool:
    return value[:4].isdigit() and int(value[:4]) >= EARLIEST_YEAR
