"""The instructor's intensive rehabilitation (Päijät-Häme): my periods, a period's week-by-week
intensity and contacts, planning a contact, recording its outcome, and the 3X10D form.

Every read goes through a use case, which decides what the instructor may see and logs it:
a client shows as a client number, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date, local_to_utc
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.rehab.domain import MEASUREMENT_ITEMS, ContactKind, ContactStatus, MeasurementPoint
from sotesilta.core.rehab.service import (
    contacts,
)
from sotesilta.core.rehab.service import (
    feedback as period_feedback,
)
from sotesilta.core.rehab.service import (
    outcomes as rehab_outcomes,
)
from sotesilta.core.rehab.service import (
    periods as rehab_periods,
)
from sotesilta.core.rehab.service.contacts import ContactView
from sotesilta.core.rehab.service.outcomes import (
    DueMeasurement,
    MeasurementSummary,
    PeriodFeedbackView,
    PeriodIntensity,
)
from sotesilta.core.rehab.service.periods import PeriodView

#: the kinds an instructor plans one by one (group sessions come from a group's meetings)
PLANNED_KINDS = tuple(k.value for k in ContactKind if k is not ContactKind.GROUP_SESSION)
OUTCOMES = (ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value, ContactStatus.CANCELLED.value)
#: the chart's drawing: a bar per week, this tall at the most
CHART_HEIGHT, BAR_WIDTH, BAR_GAP = 120, 14, 6


# --- my periods ---------------------------------------------------------------------


@dataclass
class PeriodsScreen:
    has_worker: bool
    periods: tuple[PeriodIntensity, ...] = ()
    due: list[DueMeasurement] = field(default_factory=list)


def periods_screen(uow: UnitOfWork, principal: Principal) -> PeriodsScreen:
    worker_id = organisations.own_worker_id(uow, principal)
    due = rehab_outcomes.list_due_measurements(
        uow,
        principal=principal,
    )
    if worker_id is None:
        return PeriodsScreen(False, due=due)
    mine = rehab_outcomes.get_worker_intensity(
        uow,
        principal=principal,
        worker_id=worker_id,
    )
    return PeriodsScreen(True, mine.periods, due)


@get("/rehab", guards=INSTRUCTORS, name="web-rehab")
async def periods_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """My open intensive periods with their intensity, and the measurements due."""
    screen = await runtime.run_db(periods_screen, uow, request.user)
    return page(request, "rehab_periods.html", screen=screen, today=local_date(runtime.clock.now()))


# --- one period ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One week of the chart, in the SVG's units."""

    x: int
    planned_y: int
    planned_height: int
    realised_y: int
    realised_height: int
    target_y: int
    label: str


@dataclass
class PlanForm:
    kind: str = ContactKind.INDIVIDUAL_MEETING.value
    day: str = ""
    start: str = ""
    minutes: str = "60"
    place: str = ""
    video_link: str = ""
    note: str = ""

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
        )

    def to_draft(self) -> contacts.ContactDraft:
        if self.kind not in PLANNED_KINDS:
            raise InputInvalid("choose the kind of contact", field="kind")
        try:
            day = date.fromisoformat(self.day) if len(self.day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InputInvalid("give the day as YYYY-MM-DD", field="day")
        try:
            start = time.fromisoformat(self.start) if len(self.start) == 5 else None
        except ValueError:
            start = None
        if start is None:
            raise InputInvalid("give the time as HH:MM", field="start")
        if not self.minutes.isdigit():
            raise InputInvalid("give the length in minutes", field="minutes")
        return contacts.ContactDraft(
            kind=ContactKind(self.kind),
            starts_at=local_to_utc(day, start),
            minutes=int(self.minutes),
            place=self.place or None,
            video_link=self.video_link or None,
            note=self.note or None,
        )


@dataclass(frozen=True)
class PeriodScreen:
    period: PeriodView
    intensity: PeriodIntensity
    contacts: list[ContactView]
    measurements: MeasurementSummary
    bars: list[Bar]
    chart_width: int
    chart_top: int  # the value at the top of the chart
    feedback: list[PeriodFeedbackView]


def chart_bars(intensity: PeriodIntensity) -> tuple[list[Bar], int, int]:
    top = max([intensity.weekly_target, *(w.planned for w in intensity.weeks), 1])

    def height(value: float) -> int:
        return round(CHART_HEIGHT * value / top)

    bars = []
    for n, week in enumerate(intensity.weeks):
        x = BAR_GAP + n * (2 * BAR_WIDTH + BAR_GAP)
        bars.append(
            Bar(
                x,
                CHART_HEIGHT - height(week.planned),
                height(week.planned),
                CHART_HEIGHT - height(week.realised),
                height(week.realised),
                CHART_HEIGHT - height(week.target),
                week.week.rpartition("W")[2],
            )
        )
    width = BAR_GAP + len(bars) * (2 * BAR_WIDTH + BAR_GAP)
    return bars, width, top


def period_screen(uow: UnitOfWork, principal: Principal, period_id: int) -> PeriodScreen:
    period = rehab_periods.get_intensive_period(
        uow,
        principal=principal,
        period_id=period_id,
    )
    intensity = rehab_outcomes.get_period_intensity(
        uow,
        principal=principal,
        period_id=period_id,
    )
    found = contacts.list_period_contacts(
        uow,
        principal=principal,
        period_id=period_id,
    )
    summary = rehab_outcomes.get_measurements(
        uow,
        principal=principal,
        period_id=period_id,
    )
    feedback = period_feedback.list_period_feedback(
        uow,
        principal=principal,
        period_id=period_id,
    )
    bars, width, top = chart_bars(intensity)
    return PeriodScreen(period, intensity, found, summary, bars, width, top, feedback)


PLAN_MESSAGES = {
    "kind": N_("Choose the kind of contact."),
    "day": N_("Give the day of the contact within the period."),
    "starts_at": N_("Give the day of the contact within the period."),
    "start": N_("Give the time as hours and minutes, for example 13:30."),
    "minutes": N_("Give the length in minutes (5–480)."),
    "place": N_("A meeting needs a place or a video link (a place has at most 300 characters)."),
    "video_link": N_("Give the video link as an https:// address."),
    "note": N_("The note may have at most 1000 characters."),
}
PLAN_TARGETS = {"starts_at": "day", "video_link": "video-link"}


def plan_error(exc: DomainError) -> FormError:
    if exc.code == "schedule-conflict":
        return FormError(N_("The time overlaps another appointment of the worker."), {}, "start")
    if exc.field in PLAN_MESSAGES:
        target = PLAN_TARGETS.get(exc.field or "", exc.field or "")
        return FormError(PLAN_MESSAGES[exc.field or ""], {}, target)
    return FormError(N_("The contact could not be planned: %(reason)s"), {"reason": exc.detail}, "")


async def _render_period(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    period_id: int,
    *,
    form: PlanForm | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Template:
    screen = await runtime.run_db(period_screen, uow, request.user, period_id)
    errors = errors or []
    return page(
        request,
        "rehab_period.html",
        status_code=status_code,
        screen=screen,
        form=form or PlanForm(day=local_date(runtime.clock.now()).isoformat()),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        kinds=PLANNED_KINDS,
        now=runtime.clock.now(),
        chart_height=CHART_HEIGHT,
        bar_width=BAR_WIDTH,
        flash=flash,
    )


@get("/rehab/periods/{period_id:int}", guards=INSTRUCTORS, name="web-rehab-period")
async def period_page(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    saved: FromQuery[str | None] = None,
) -> Template:
    """A period: goals, week-by-week intensity, contacts, measurements."""
    flash = saved if saved in ("contact", "outcome", "measurement", "closed", "feedback") else None
    return await _render_period(request, uow, runtime, period_id, flash=flash)


@post("/rehab/periods/{period_id:int}/contacts", guards=INSTRUCTORS, name="web-rehab-plan", status_code=303)
async def plan_contact(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = PlanForm.from_form(await request.form())
    try:
        draft = form.to_draft()
        await runtime.run_db(
            contacts.plan_contact,
            uow,
            principal=request.user,
            period_id=period_id,
            draft=draft,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_period(
            request, uow, runtime, period_id, form=form, errors=[plan_error(exc)], status_code=status
        )
    return see_other(f"/rehab/periods/{period_id}?saved=contact#contacts")


@post(
    "/rehab/contacts/{contact_id:int}/outcome", guards=INSTRUCTORS, name="web-rehab-outcome", status_code=303
)
async def record_contact_outcome(
    request: Request[Principal, Any, Any],
    contact_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = await request.form()
    status = str(form.get("status") or "")
    period = str(form.get("period_id") or "")
    if status not in OUTCOMES or not period.isdigit() or len(period) > 12:
        raise InputInvalid("choose what happened", field="status")
    await runtime.run_db(
        contacts.record_contact_outcome,
        uow,
        principal=request.user,
        contact_id=contact_id,
        status=ContactStatus(status),
        note=None,
    )
    return see_other(f"/rehab/periods/{period}?saved=outcome#contacts")


# --- 3X10D --------------------------------------------------------------------------


@dataclass
class MeasurementForm:
    point: str = MeasurementPoint.START.value
    measured_on: str = ""
    answers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: FormMultiDict) -> MeasurementForm:
        return cls(
            point=str(form.get("point") or "")[:20],
            measured_on=str(form.get("measured_on") or "").strip()[:10],
            answers={key: str(form.get(f"item-{key}") or "").strip()[:3] for key in MEASUREMENT_ITEMS},
        )

    def values(self) -> tuple[MeasurementPoint, date, dict[str, int]]:
        if self.point not in tuple(p.value for p in MeasurementPoint):
            raise InputInvalid("choose the measurement point", field="point")
        try:
            measured_on = date.fromisoformat(self.measured_on) if len(self.measured_on) == 10 else None
        except ValueError:
            measured_on = None
        if measured_on is None:
            raise InputInvalid("give the day as YYYY-MM-DD", field="measured_on")
        answers: dict[str, int] = {}
        for key, value in self.answers.items():
            if not value:
                continue  # an item left unanswered
            if not value.isdigit() or not 0 <= int(value) <= 10:
                raise InputInvalid(f"answer to {key} must be a whole number 0-10", field=f"answers.{key}")
            answers[key] = int(value)
        return MeasurementPoint(self.point), measured_on, answers


def measurement_error(exc: DomainError) -> FormError:
    if exc.code == "state-conflict" or exc.kind == "conflict":
        return FormError(N_("This measurement of the period is already recorded."), {}, "point")
    if exc.field == "measured_on":
        return FormError(
            N_("Give the day of the measurement: not in the future, and near the period."), {}, "measured-on"
        )
    if exc.field == "point":
        return FormError(N_("Choose the measurement point."), {}, "point")
    if exc.field and exc.field.startswith("answers"):
        target = "item-" + exc.field.partition(".")[2] if "." in exc.field else "items"
        return FormError(N_("Answer at least one item, each with a whole number 0–10."), {}, target)
    return FormError(N_("The measurement could not be recorded: %(reason)s"), {"reason": exc.detail}, "")


async def _render_measurement(
    request: Request[Principal, Any, Any],
    runtime: Runtime,
    uow: UnitOfWork,
    period_id: int,
    form: MeasurementForm,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    language = language_of(request)

    def read(uow: UnitOfWork) -> PeriodView:
        return rehab_periods.get_intensive_period(
            uow,
            principal=request.user,
            period_id=period_id,
        )

    period = await runtime.run_db(read, uow)
    codes = runtime.plugins.code_lists
    labels = {e.code: e.label(language) for e in codes.entries("measurement_item", period.municipality_code)}
    items = [(key, labels.get(key, key)) for key in MEASUREMENT_ITEMS]
    return page(
        request,
        "rehab_measurement.html",
        status_code=status_code,
        language=language,
        period=period,
        items=items,
        form=form,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/rehab/periods/{period_id:int}/measurement", guards=INSTRUCTORS, name="web-rehab-measurement")
async def measurement_page(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    point: FromQuery[str | None] = None,
) -> Template:
    """The 3X10D form: ten items 0–10, at the start or the follow-up."""
    chosen = point if point in tuple(p.value for p in MeasurementPoint) else MeasurementPoint.START.value
    form = MeasurementForm(point=chosen, measured_on=local_date(runtime.clock.now()).isoformat())
    return await _render_measurement(request, runtime, uow, period_id, form, [])


@post(
    "/rehab/periods/{period_id:int}/measurement",
    guards=INSTRUCTORS,
    name="web-rehab-measurement-submit",
    status_code=303,
)
async def record_measurement(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = MeasurementForm.from_form(await request.form())
    try:
        point, measured_on, answers = form.values()
        await runtime.run_db(
            rehab_outcomes.record_measurement,
            uow,
            principal=request.user,
            period_id=period_id,
            point=point,
            measured_on=measured_on,
            answers=answers,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_measurement(
            request, runtime, uow, period_id, form, [measurement_error(exc)], status
        )
    return see_other(f"/rehab/periods/{period_id}?saved=measurement#measurements")


ROUTES = [
    periods_page,
    period_page,
    plan_contact,
    record_contact_outcome,
    measurement_page,
    record_measurement,
]
