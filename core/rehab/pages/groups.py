"""Closed groups of intensive rehabilitation (Päijät-Häme): my groups, making a group from my
periods' clients, and a meeting's attendance.

Making a group and marking attendance call the JSON API's use cases (``createGroup``,
``recordGroupAttendance``); a member shows as a client number, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import (
    AfterPeriodEnd,
    DomainError,
    InputInvalid,
    NotGroupMember,
    NotStartedYet,
    RecordNotFound,
)
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import MunicipalityView, WorkerView
from sotesilta.core.rehab.domain import ContactStatus
from sotesilta.core.rehab.service import client_names, contacts
from sotesilta.core.rehab.service import groups as rehab_groups
from sotesilta.core.rehab.service import outcomes as rehab_outcomes
from sotesilta.core.rehab.service.groups import GroupDetail, MeetingView
from sotesilta.core.rehab.service.outcomes import PeriodIntensity

ATTENDANCE = (ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value, ContactStatus.CANCELLED.value)
MAX_IDS = 40  # more checkboxes than a group can have: the use case says how many are allowed


# --- my groups ----------------------------------------------------------------------


@get("/rehab/groups", guards=INSTRUCTORS, name="web-rehab-groups")
async def groups_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The closed groups I lead or made."""
    groups = await runtime.run_db(rehab_groups.list_groups, uow, principal=request.user)
    return page(request, "rehab_groups.html", groups=groups)


# --- a new group --------------------------------------------------------------------


@dataclass
class GroupForm:
    municipality: str = ""
    name: str = ""
    worker_ids: list[str] = field(default_factory=list)
    member_period_ids: list[str] = field(default_factory=list)
    weekday: str = "0"
    start: str = ""
    minutes: str = "90"
    first_date: str = ""
    meetings: str = "8"
    place: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> GroupForm:
        return cls(
            municipality=text_field(form, "municipality", 3),
            name=text_field(form, "name", 400),
            worker_ids=[str(v)[:12] for v in form.getall("worker_ids", [])][:MAX_IDS],
            member_period_ids=[str(v)[:12] for v in form.getall("member_period_ids", [])][:MAX_IDS],
            weekday=text_field(form, "weekday", 1),
            start=text_field(form, "start", 5),
            minutes=text_field(form, "minutes", 4),
            first_date=text_field(form, "first_date", 10),
            meetings=text_field(form, "meetings", 3),
            place=text_field(form, "place", 400),
        )

    def to_draft(self) -> contacts.GroupDraft:
        def ids(values: list[str], name: str) -> tuple[int, ...]:
            if not all(v.isdigit() for v in values):
                raise InputInvalid(f"{name} are numbers", field=name)
            return tuple(int(v) for v in values)

        def number(value: str, name: str) -> int:
            if not value.isdigit():
                raise InputInvalid(f"give {name} as a whole number", field=name)
            return int(value)

        try:
            first_date = date.fromisoformat(self.first_date) if len(self.first_date) == 10 else None
        except ValueError:
            first_date = None
        if first_date is None:
            raise InputInvalid("give the day as YYYY-MM-DD", field="first_date")
        try:
            start = time.fromisoformat(self.start) if len(self.start) == 5 else None
        except ValueError:
            start = None
        if start is None:
            raise InputInvalid("give the time as HH:MM", field="start")
        return contacts.GroupDraft(
            municipality=self.municipality,
            name=self.name,
            worker_ids=ids(self.worker_ids, "worker_ids"),
            member_period_ids=ids(self.member_period_ids, "member_period_ids"),
            weekday=number(self.weekday, "weekday"),
            start=start,
            minutes=number(self.minutes, "minutes"),
            first_date=first_date,
            meetings=number(self.meetings, "meetings"),
            place=self.place or None,
        )


@dataclass(frozen=True)
class GroupChoices:
    """What the form offers: my municipalities, their workers and my open periods."""

    municipalities: list[MunicipalityView]
    workers: list[WorkerView]
    periods: tuple[PeriodIntensity, ...]
    own_worker_id: int | None
    own_municipality: str | None


def group_choices(uow: UnitOfWork, runtime: Runtime, principal: Principal) -> GroupChoices:
    plugins = runtime.plugins
    registered = {m.code for m in plugins.municipalities.all()}
    municipalities = organisations.list_municipalities(
        uow, registered=[c for c in principal.municipalities if c in registered]
    )
    workers = organisations.list_workers(uow, municipalities=principal.municipalities)
    worker_id = organisations.own_worker_id(uow, principal)
    periods: tuple[PeriodIntensity, ...] = ()
    if worker_id is not None:
        periods = rehab_outcomes.get_worker_intensity(
            uow,
            principal=principal,
            worker_id=worker_id,
        ).periods
    own = next((w.municipalities[0] for w in workers if w.id == worker_id and w.municipalities), None)
    return GroupChoices(municipalities, workers, periods, worker_id, own)


GROUP_MESSAGES = {
    "municipality": N_("Choose the municipality of the group."),
    "name": N_("Give the group a name (at most 200 characters)."),
    "worker_ids": N_("Choose one to four workers of the group's municipality."),
    "member_period_ids": N_(
        "Choose 1–20 members whose intensive periods are open in the group's municipality."
    ),
    "weekday": N_("Choose the weekday of the meetings."),
    "start": N_("Give the time as hours and minutes, for example 13:30."),
    "minutes": N_("Give the length in minutes (5–480)."),
    "first_date": N_("Give the day of the first meeting: the first meeting must be in the future."),
    "meetings": N_("Give the number of meetings (1–52)."),
    "place": N_("The place may have at most 300 characters."),
}
GROUP_TARGETS = {"worker_ids": "workers", "member_period_ids": "members", "first_date": "first-date"}


def group_error(exc: DomainError) -> FormError:
    if exc.code == "schedule-conflict":
        return FormError(N_("A meeting overlaps another appointment of a worker of the group."), {}, "start")
    # the one refusal without a field: a member's period that is not open in the group's municipality
    name = exc.field or "member_period_ids"
    if name in GROUP_MESSAGES:
        return FormError(GROUP_MESSAGES[name], {}, GROUP_TARGETS.get(name, name))
    return FormError(N_("The group could not be created: %(reason)s"), {"reason": exc.detail}, "")


async def _render_new_group(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    form: GroupForm | None,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    choices = await runtime.run_db(group_choices, uow, runtime, request.user)
    if form is None:
        tomorrow = local_date(runtime.clock.now()) + timedelta(days=1)
        form = GroupForm(
            municipality=choices.own_municipality or "",
            worker_ids=[str(choices.own_worker_id)] if choices.own_worker_id else [],
            weekday=str(tomorrow.weekday()),
            start="13:00",
            first_date=tomorrow.isoformat(),
        )
    names = await runtime.run_db(
        client_names.names_for_periods, uow, request.user, [p.period_id for p in choices.periods]
    )
    return page(
        request,
        "rehab_group_new.html",
        status_code=status_code,
        choices=choices,
        names=names,
        form=form,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/rehab/groups/new", guards=INSTRUCTORS, name="web-rehab-group-new")
async def new_group_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """A closed group: its workers, its members from my periods, and its weekly meetings."""
    return await _render_new_group(request, uow, runtime, None, [])


@post("/rehab/groups", guards=INSTRUCTORS, name="web-rehab-group-create", status_code=303)
async def create_group(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = GroupForm.from_form(await request.form())
    try:
        draft = form.to_draft()
        group = await runtime.run_db(
            contacts.create_group,
            uow,
            principal=request.user,
            draft=draft,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_new_group(request, uow, runtime, form, [group_error(exc)], status)
    return see_other(f"/rehab/groups/{group.id}?saved=group")


# --- one group and a meeting's attendance -------------------------------------------


def read_group(uow: UnitOfWork, principal: Principal, group_id: int) -> GroupDetail:
    return rehab_groups.get_group(
        uow,
        principal=principal,
        group_id=group_id,
    )


@get("/rehab/groups/{group_id:int}", guards=INSTRUCTORS, name="web-rehab-group")
async def group_page(
    request: Request[Principal, Any, Any],
    group_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    saved: FromQuery[str | None] = None,
) -> Template:
    """A group: its workers, members, and meetings with each member's attendance."""
    group = await runtime.run_db(read_group, uow, request.user, group_id)
    names = await runtime.run_db(
        client_names.names_for_periods, uow, request.user, [m.period_id for m in group.members]
    )
    return page(
        request,
        "rehab_group.html",
        group=group,
        names=names,
        clients={m.period_id: m.client_id for m in group.members},
        now=runtime.clock.now(),
        flash=saved if saved in ("group", "attendance") else None,
    )


def meeting_of(group: GroupDetail, meeting_id: int) -> MeetingView:
    meeting = next((m for m in group.meetings if m.id == meeting_id), None)
    if meeting is None:
        raise RecordNotFound(f"no meeting {meeting_id} in group {group.id}")
    return meeting


async def _render_attendance(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    group_id: int,
    meeting_id: int,
    chosen: dict[str, str] | None,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    group = await runtime.run_db(read_group, uow, request.user, group_id)
    meeting = meeting_of(group, meeting_id)
    clients = {m.period_id: m.client_id for m in group.members}
    names = await runtime.run_db(client_names.names_for_periods, uow, request.user, list(clients))
    return page(
        request,
        "rehab_attendance.html",
        status_code=status_code,
        group=group,
        names=names,
        meeting=meeting,
        clients=clients,
        chosen=chosen if chosen is not None else {str(p): s for p, s in meeting.attendance if s != "booked"},
        started=meeting.starts_at <= runtime.clock.now(),
        errors=errors,
    )


@get(
    "/rehab/groups/{group_id:int}/meetings/{meeting_id:int}",
    guards=INSTRUCTORS,
    name="web-rehab-attendance",
)
async def attendance_page(
    request: Request[Principal, Any, Any],
    group_id: FromPath[int],
    meeting_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """A meeting's attendance, one choice per member."""
    return await _render_attendance(request, uow, runtime, group_id, meeting_id, None, [])


def attendance_of(form: FormMultiDict) -> dict[str, str]:
    """The members marked: ``attendance-<period id>`` = a status; unmarked ones are left out."""
    chosen: dict[str, str] = {}
    for key in list(form.keys())[: MAX_IDS * 2]:
        if key.startswith("attendance-"):
            value = str(form.get(key) or "")
            if value:
                chosen[key.removeprefix("attendance-")[:12]] = value[:20]
    return chosen


def attendance_values(chosen: dict[str, str]) -> list[tuple[int, ContactStatus]]:
    marked = []
    for period, status in chosen.items():
        if not period.isdigit() or status not in ATTENDANCE:
            raise InputInvalid("choose came, did not come or cancelled", field="attendance")
        marked.append((int(period), ContactStatus(status)))
    return marked


def attendance_error(exc: DomainError) -> FormError:
    if isinstance(exc, NotStartedYet):
        return FormError(
            N_("Only a cancellation can be marked before the meeting has started."), {}, "attendance"
        )
    if isinstance(exc, AfterPeriodEnd):
        return FormError(
            N_("A member's period ended before this meeting: the contact stays cancelled."), {}, "attendance"
        )
    if isinstance(exc, NotGroupMember):
        return FormError(N_("Someone marked is not a member of the group at this meeting."), {}, "attendance")
    if exc.field == "attendance":
        return FormError(N_("Mark the attendance of at least one member."), {}, "attendance")
    return FormError(N_("The attendance could not be saved: %(reason)s"), {"reason": exc.detail}, "")


@post(
    "/rehab/groups/{group_id:int}/meetings/{meeting_id:int}",
    guards=INSTRUCTORS,
    name="web-rehab-attendance-submit",
    status_code=303,
)
async def record_attendance(
    request: Request[Principal, Any, Any],
    group_id: FromPath[int],
    meeting_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    chosen = attendance_of(await request.form())
    try:
        group = await runtime.run_db(read_group, uow, request.user, group_id)
        meeting_of(group, meeting_id)  # the meeting must be this group's, as the address says
        await runtime.run_db(
            contacts.record_group_attendance,
            uow,
            principal=request.user,
            meeting_id=meeting_id,
            attendance=attendance_values(chosen),
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_attendance(
            request, uow, runtime, group_id, meeting_id, chosen, [attendance_error(exc)], status
        )
    return see_other(f"/rehab/groups/{group_id}?saved=attendance#meeting-{meeting_id}")


ROUTES = [
    groups_page,
    new_group_page,
    create_group,
    group_page,
    attendance_page,
    record_attendance,
]
