"""The fields of a contact plan that the period pages share: one contact, or the same contact
repeated on chosen weekdays for some weeks (e.g. Tue and Thu for 8 weeks).

Forms only translate what was typed into drafts; the use cases decide. An error names the
input it concerns, so the page shows it beside that input with everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from litestar.datastructures import FormMultiDict

from sotesilta.core.kernel.clock import local_to_utc
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.rehab.domain import ContactKind
from sotesilta.core.rehab.service import contacts
from sotesilta.core.rehab.service.plans import PlanDraft

#: the kinds an instructor plans one by one (group sessions come from a group's meetings)
PLANNED_KINDS = tuple(k.value for k in ContactKind if k is not ContactKind.GROUP_SESSION)
WEEKDAYS = tuple(range(7))


def _day(value: str, name: str) -> date:
    try:
        found = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        found = None
    if found is None:
        raise InputInvalid("give the day as YYYY-MM-DD", field=name)
    return found


def _time(value: str, name: str) -> time:
    try:
        found = time.fromisoformat(value) if len(value) == 5 else None
    except ValueError:
        found = None
    if found is None:
        raise InputInvalid("give the time as HH:MM", field=name)
    return found


def _number(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 4:
        raise InputInvalid(f"give {name} as a whole number", field=name)
    return int(value)


@dataclass
class PlanForm:
    """What was typed: kept as text, so a refused form shows it again as it was."""

    kind: str = ContactKind.INDIVIDUAL_MEETING.value
    day: str = ""
    start: str = ""
    minutes: str = "60"
    place: str = ""
    video_link: str = ""
    note: str = ""
    weekdays: list[str] = field(default_factory=list)  # none: a single contact on ``day``
    weeks: str = "8"

    @classmethod
    def from_form(cls, form: FormMultiDict) -> PlanForm:
        return cls(
            kind=text_field(form, "kind", 30),
            day=text_field(form, "day", 10),
            start=text_field(form, "start", 5),
            minutes=text_field(form, "minutes", 4),
            place=text_field(form, "place", 400),
            video_link=text_field(form, "video_link", 600),
            note=str(form.get("note") or "").strip()[:2000],
            weekdays=[str(v)[:1] for v in form.getall("weekdays", [])][:7],
            weeks=text_field(form, "weeks", 3),
        )

    @property
    def repeats(self) -> bool:
        return bool(self.weekdays)

    def _kind(self) -> ContactKind:
        if self.kind not in PLANNED_KINDS:
            raise InputInvalid("choose the kind of contact", field="kind")
        return ContactKind(self.kind)

    def to_draft(self) -> contacts.ContactDraft:
        kind = self._kind()
        starts_at: datetime = local_to_utc(_day(self.day, "day"), _time(self.start, "start"))
        return contacts.ContactDraft(
            kind=kind,
            starts_at=starts_at,
            minutes=_number(self.minutes, "minutes"),
            place=self.place or None,
            video_link=self.video_link or None,
            note=self.note or None,
        )

    def to_plan(self) -> PlanDraft:
        kind = self._kind()
        if not all(v.isdigit() and int(v) in WEEKDAYS for v in self.weekdays):
            raise InputInvalid("choose the weekdays", field="weekdays")
        return PlanDraft(
            kind=kind,
            weekdays=tuple(sorted({int(v) for v in self.weekdays})),
            start=_time(self.start, "start"),
            minutes=_number(self.minutes, "minutes"),
            first_day=_day(self.day, "day"),
            weeks=_number(self.weeks, "weeks"),
            place=self.place or None,
            video_link=self.video_link or None,
            note=self.note or None,
        )


PLAN_MESSAGES = {
    "kind": N_("Choose the kind of contact."),
    "day": N_("Give the day of the contact within the period."),
    "first_day": N_("Give the day of the contact within the period."),
    "starts_at": N_("Give the day of the contact within the period."),
    "start": N_("Give the time as hours and minutes, for example 13:30."),
    "minutes": N_("Give the length in minutes (5–480)."),
    "place": N_("A meeting needs a place or a video link (a place has at most 300 characters)."),
    "video_link": N_("Give the video link as an https:// address."),
    "note": N_("The note may have at most 1000 characters."),
    "weekdays": N_("Choose the weekdays of the contacts (not only public holidays)."),
    "weeks": N_("Give the number of weeks (1–26): the plan must end by the period's last day."),
}
PLAN_TARGETS = {"starts_at": "day", "first_day": "day", "video_link": "video-link", "weekdays": "weekdays"}


@dataclass(frozen=True)
class Clash:
    """One overlap of a refused plan, for the page: the planned time and the event in the way."""

    starts_at: datetime
    kind: str
    event_starts_at: datetime
    event_ends_at: datetime


def clash_count(exc: DomainError | None) -> tuple[int, int]:
    """(contacts that overlap, contacts planned) of a refused plan; (0, 0) otherwise."""
    if exc is None:
        return 0, 0
    clashing, planned = exc.extra.get("clashing"), exc.extra.get("planned")
    return (clashing, planned) if isinstance(clashing, int) and isinstance(planned, int) else (0, 0)


def clashes_of(exc: DomainError | None) -> list[Clash]:
    if exc is None:
        return []
    listed: Any = exc.extra.get("conflicts")
    found: list[Clash] = []
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and "event_starts_at" in item:
            found.append(
                Clash(
                    datetime.fromisoformat(str(item["starts_at"])),
                    str(item["kind"]),
                    datetime.fromisoformat(str(item["event_starts_at"])),
                    datetime.fromisoformat(str(item["event_ends_at"])),
                )
            )
    return found


def plan_error(exc: DomainError) -> FormError:
    if exc.code == "schedule-conflict" and exc.field == "plan":
        # the counts are shown with the list of overlaps, in their plural forms
        return FormError(
            N_("Some of the planned contacts overlap other appointments: nothing was saved."), {}, "clashes"
        )
    if exc.code == "schedule-conflict":
        return FormError(N_("The time overlaps another appointment of the worker."), {}, "start")
    if exc.field in PLAN_MESSAGES:
        target = PLAN_TARGETS.get(exc.field or "", exc.field or "")
        return FormError(PLAN_MESSAGES[exc.field or ""], {}, target)
    return FormError(N_("The contact could not be planned: %(reason)s"), {"reason": exc.detail}, "")
