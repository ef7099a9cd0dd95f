"""The administrator's schedule forms: from posted fields to session-rule drafts and absence
periods, and a use case's refusal to an error message. The rules stay in the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from litestar.datastructures import FormMultiDict

from sotesilta.core.kernel.clock import HELSINKI, local_to_utc
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.scheduling.service.rules import RuleView
from sotesilta.core.scheduling.service.sessions import SessionRuleDraft


def parse_day(value: str, field_name: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputInvalid("give the day as YYYY-MM-DD", field=field_name) from None


def _time(value: str, field_name: str) -> time:
    try:
        if len(value) != 5:
            raise ValueError(value)
        return time.fromisoformat(value)
    except ValueError:
        raise InputInvalid("give the time as HH:MM", field=field_name) from None


def _number(value: str, field_name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise InputInvalid(f"give a whole number {low}-{high}", field=field_name)
    return int(value)


@dataclass
class RuleForm:
    worker_id: str = ""
    station_id: str = ""
    first_date: str = ""
    start: str = "09:00"
    end: str = "12:00"
    interval_weeks: str = "1"
    until: str = ""
    slot_minutes: str = "45"
    booked_slots: bool = True
    walk_in_start: str = ""
    walk_in_end: str = ""
    walk_in_capacity: str = "0"

    @classmethod
    def from_form(cls, form: FormMultiDict) -> RuleForm:
        return cls(
            worker_id=text_field(form, "worker_id", 12),
            station_id=text_field(form, "station_id", 12),
            first_date=text_field(form, "first_date", 10),
            start=text_field(form, "start", 5),
            end=text_field(form, "end", 5),
            interval_weeks=text_field(form, "interval_weeks", 2),
            until=text_field(form, "until", 10),
            slot_minutes=text_field(form, "slot_minutes", 3),
            booked_slots=form.get("booked_slots") == "yes",
            walk_in_start=text_field(form, "walk_in_start", 5),
            walk_in_end=text_field(form, "walk_in_end", 5),
            walk_in_capacity=text_field(form, "walk_in_capacity", 3),
        )

    @classmethod
    def from_rule(cls, rule: RuleView, first_date: date) -> RuleForm:
        """The old rule's settings, to start its replacement from ``first_date``."""
        return cls(
            worker_id=str(rule.worker_id),
            station_id=str(rule.station_id),
            first_date=first_date.isoformat(),
            start=f"{rule.start:%H:%M}",
            end=f"{rule.end:%H:%M}",
            interval_weeks=str(rule.interval_weeks),
            until="",
            slot_minutes=str(rule.slot_minutes),
            booked_slots=rule.booked_slots,
            walk_in_start=f"{rule.walk_in_start:%H:%M}" if rule.walk_in_start else "",
            walk_in_end=f"{rule.walk_in_end:%H:%M}" if rule.walk_in_end else "",
            walk_in_capacity=str(rule.walk_in_capacity),
        )

    def to_draft(self) -> SessionRuleDraft:
        first = parse_day(self.first_date, "first_date")
        walk_in = None
        if self.walk_in_start or self.walk_in_end:
            walk_in = (_time(self.walk_in_start, "walk_in"), _time(self.walk_in_end, "walk_in"))
        return SessionRuleDraft(
            worker_id=_number(self.worker_id, "worker_id", 1, 10**9),
            station_id=_number(self.station_id, "station_id", 1, 10**9),
            weekday=first.weekday(),
            start=_time(self.start, "start"),
            end=_time(self.end, "end"),
            first_date=first,
            interval_weeks=_number(self.interval_weeks, "interval_weeks", 1, 8),
            until=parse_day(self.until, "until") if self.until else None,
            slot_minutes=_number(self.slot_minutes, "slot_minutes", 5, 240),
            booked_slots=self.booked_slots,
            walk_in=walk_in,
            walk_in_capacity=_number(self.walk_in_capacity or "0", "walk_in_capacity", 0, 100),
        )


@dataclass
class AbsenceForm:
    """Whole days, or from a time on the first day to a time on the last (Helsinki wall clock)."""

    worker_id: str = ""
    first_day: str = ""
    last_day: str = ""
    from_time: str = ""
    to_time: str = ""
    reason: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> AbsenceForm:
        return cls(
            worker_id=text_field(form, "worker_id", 12),
            first_day=text_field(form, "first_day", 10),
            last_day=text_field(form, "last_day", 10),
            from_time=text_field(form, "from_time", 5),
            to_time=text_field(form, "to_time", 5),
            reason=text_field(form, "reason", 400),
        )

    def values(self) -> tuple[int, datetime, datetime, str]:
        first = parse_day(self.first_day, "starts_at")
        last = parse_day(self.last_day or self.first_day, "ends_at")
        if last < first:
            raise InputInvalid("the absence ends before it starts", field="ends_at")
        # whole Helsinki days unless times are given, right across a daylight-saving change
        starts_at = _wall_clock(
            first, _time(self.from_time, "from_time") if self.from_time else time(0), "from_time"
        )
        if self.to_time:
            ends_at = _wall_clock(last, _time(self.to_time, "to_time"), "to_time")
        else:
            ends_at = local_to_utc(last + timedelta(days=1), time(0))
        if ends_at <= starts_at:
            raise InputInvalid("the absence ends before it starts", field="to_time")
        return _number(self.worker_id, "worker_id", 1, 10**9), starts_at, ends_at, self.reason


def _wall_clock(day: date, moment: time, field_name: str) -> datetime:
    """The instant of a Helsinki wall-clock time; refused when the clocks skip it (spring forward)."""
    instant = local_to_utc(day, moment)
    if instant.astimezone(HELSINKI).time() != moment:
        raise InputInvalid("that time does not exist on that day (daylight saving)", field=field_name)
    return instant


SCHEDULE_MESSAGES = {
    "worker_id": N_("Choose a worker of your municipalities."),
    "station_id": N_("Choose a station of your municipalities."),
    "first_date": N_("Give the first day as a date."),
    "until": N_("Give the last day as a date after the first, or leave it empty."),
    "start": N_("Give the session's hours, the start before the end (HH:MM)."),
    "end": N_("Give the session's hours, the start before the end (HH:MM)."),
    "hours": N_("Give the session's hours, the start before the end (HH:MM)."),
    "interval_weeks": N_("Give the interval in weeks (1–8)."),
    "slot_minutes": N_("Give the length of a time in minutes (5–240)."),
    "walk_in": N_("Give the walk-in hours within the session, and its capacity."),
    "walk_in_capacity": N_("Give the walk-in hours within the session, and its capacity."),
    "booked_slots": N_("The station takes walk-ins only: leave booked times out."),
    "starts_at": N_("Give the first day of the absence as a date."),
    "ends_at": N_("Give the last day of the absence, not before the first."),
    "reason": N_("Give the reason of the absence (1–200 characters)."),
    "from_time": N_("Give the times as HH:MM, the end after the start; in spring the clocks skip 3.00–4.00."),
    "to_time": N_("Give the times as HH:MM, the end after the start; in spring the clocks skip 3.00–4.00."),
    "from_date": N_("Give the day the change starts: today or later, and not after the rule already ends."),
}


def schedule_error(exc: DomainError, form: str) -> FormError:
    if exc.kind == "conflict":
        return FormError(
            N_("The rule overlaps another session of the worker or at the station."), {}, f"{form}-start"
        )
    if exc.field in SCHEDULE_MESSAGES:
        return FormError(SCHEDULE_MESSAGES[exc.field or ""], {}, "")
    return FormError(N_("The change was not made: %(reason)s"), {"reason": exc.detail}, "")
