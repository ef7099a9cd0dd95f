"""The instructor's intensive rehabilitation (Päijät-Häme): my periods, a period's week-by-week
intensity and contacts, planning a contact, recording its outcome, and the 3X10D form.

Every read goes through a use case, which decides what the instructor may see and logs it:
a client shows as a client number, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.rehab.domain import (
    FOLLOW_UP_EARLY_DAYS,
    MEASUREMENT_ITEMS,
    ContactStatus,
    MeasurementPoint,
    follow_up_due,
    follow_up_early_by,
)
from sotesilta.core.rehab.pages.plan_form import PLANNED_KINDS, PlanForm, clash_count, clashes_of, plan_error
from sotesilta.core.rehab.service import (
    client_names,
    contacts,
    plans,
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

OUTCOMES = (ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value, ContactStatus.CANCELLED.value)
#: the chart's drawing: a bar per week, this tall at the most, below a margin for the target
#: line and above a row of week numbers; wide enough a week for "vk 52" under its two bars
CHART_HEIGHT, CHART_TOP, LABEL_ROW, AXIS_WIDTH, BAR_WIDTH, BAR_GAP = 180, 12, 24, 28, 16, 8
FLASHES = ("contact", "plan", "opened", "outcome", "cancelled", "measurement", "closed", "feedback")


# --- my periods ---------------------------------------------------------------------


@dataclass
class PeriodsScreen:
    has_worker: bool
    periods: tuple[PeriodIntensity, ...] = ()
    due: list[DueMeasurement] = field(default_factory=list)
    #: her own clients' names, by client number (a client of no period of hers keeps the number)
    names: dict[int, str] = field(default_factory=dict)


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
    names = client_names.own_client_names(
        uow,
        principal=principal,
        worker_id=worker_id,
        period_ids=[p.period_id for p in mine.periods] + [d.period_id for d in due],
    )
    return PeriodsScreen(True, mine.periods, due, names)


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
    week: int  # ISO week number, shown as "vk 50"


@dataclass(frozen=True)
class Contacts:
    """A period's contacts by what the worker does with them."""

    to_record: list[ContactView]  # begun, outcome still to record
    upcoming: list[ContactView]  # still to come and planned: may be cancelled
    recorded: list[ContactView]  # with an outcome (or cancelled), newest first

    @classmethod
    def of(cls, found: list[ContactView], now: datetime) -> Contacts:
        booked = ContactStatus.BOOKED.value
        return cls(
            [c for c in found if c.status == booked and c.starts_at <= now],
            [c for c in found if c.status == booked and c.starts_at > now],
            [c for c in reversed(found) if c.status != booked],
        )


@dataclass(frozen=True)
class ItemChange:
    key: str
    start: int | None
    follow_up: int | None
    change: int | None  # points


@dataclass(frozen=True)
class PeriodScreen:
    period: PeriodView
    intensity: PeriodIntensity
    contacts: Contacts
    measurements: MeasurementSummary
    items: list[ItemChange]
    follow_up_due: date
    follow_up_early_days: int  # > 0 when the follow-up was taken far before it was due
    bars: list[Bar]
    chart_width: int
    chart_top: int  # the value at the top of the chart
    feedback: list[PeriodFeedbackView]


def chart_bars(intensity: PeriodIntensity) -> tuple[list[Bar], int, int]:
    top = max([intensity.weekly_target, *(w.planned for w in intensity.weeks), 1])
    base = CHART_TOP + CHART_HEIGHT  # the bars' baseline

    def height(value: float) -> int:
        return round(CHART_HEIGHT * value / top)

    bars = []
    for n, week in enumerate(intensity.weeks):
        x = AXIS_WIDTH + BAR_GAP + n * (2 * BAR_WIDTH + BAR_GAP)
        bars.append(
            Bar(
                x,
                base - height(week.planned),
                height(week.planned),
                base - height(week.realised),
                height(week.realised),
                base - height(week.target),
                week.starts_on.isocalendar()[1],
            )
        )
    width = AXIS_WIDTH + BAR_GAP + len(bars) * (2 * BAR_WIDTH + BAR_GAP)
    return bars, width, top


def item_rows(summary: MeasurementSummary) -> list[ItemChange]:
    start, follow = summary.start or {}, summary.follow_up or {}
    return [
        ItemChange(key, start.get(key), follow.get(key), summary.item_changes.get(key))
        for key in MEASUREMENT_ITEMS
        if key in start or key in follow
    ]


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
    policy = rehab_periods.policy_for(uow.plugins.municipalities, period.municipality_code)
    last_day = period.ended_on or period.planned_end
    due = follow_up_due(period.starts_on, last_day, policy)
    early = (
        follow_up_early_by(period.starts_on, last_day, summary.follow_up_on, policy)
        if summary.follow_up_on
        else 0
    )
    return PeriodScreen(
        period,
        intensity,
        Contacts.of(found, uow.now),
        summary,
        item_rows(summary),
        due,
        early if early >= FOLLOW_UP_EARLY_DAYS else 0,
        bars,
        width,
        top,
        feedback,
    )


@dataclass(frozen=True)
class Flash:
    """What the last action did, from the redirect's query: counts are bounded numbers."""

    saved: str | None = None
    planned: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, saved: str | None, planned: str | None, skipped: str | None) -> Flash:
        def count(value: str | None) -> int:
            return int(value) if value and value.isdigit() and len(value) <= 3 else 0

        return cls(saved if saved in FLASHES else None, count(planned), count(skipped))


async def _render_period(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    period_id: int,
    *,
    form: PlanForm | None = None,
    refusal: DomainError | None = None,
    status_code: int = 200,
    flash: Flash | None = None,
) -> Template:
    screen = await runtime.run_db(period_screen, uow, request.user, period_id)
    names = await runtime.run_db(client_names.names_for_periods, uow, request.user, [period_id])
    errors = [plan_error(refusal)] if refusal is not None else []
    clashing, planned = clash_count(refusal)
    language = language_of(request)
    codes = runtime.plugins.code_lists
    labels = {
        e.code: e.label(language) for e in codes.entries("measurement_item", screen.period.municipality_code)
    }
    return page(
        request,
        "rehab_period.html",
        status_code=status_code,
        language=language,
        screen=screen,
        names=names,
        form=form or PlanForm(day=local_date(runtime.clock.now()).isoformat()),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        clashes=clashes_of(refusal),
        clashing=clashing,
        planned=planned,
        item_labels=labels,
        kinds=PLANNED_KINDS,
        now=runtime.clock.now(),
        chart=ChartSize(CHART_HEIGHT, CHART_TOP, LABEL_ROW, AXIS_WIDTH, BAR_WIDTH),
        flash=flash or Flash(),
    )


@dataclass(frozen=True)
class ChartSize:
    height: int
    top: int
    label_row: int
    axis: int
    bar_width: int


@get("/rehab/periods/{period_id:int}", guards=INSTRUCTORS, name="web-rehab-period")
async def period_page(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    saved: FromQuery[str | None] = None,
    planned: FromQuery[str | None] = None,
    skipped: FromQuery[str | None] = None,
) -> Template:
    """A period: a summary, goals, week-by-week intensity, contacts, measurements, feedback."""
    flash = Flash.of(saved, planned, skipped)
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
        if form.repeats:
            result = await runtime.run_db(
                plans.plan_recurring_contacts,
                uow,
                principal=request.user,
                period_id=period_id,
                plan=form.to_plan(),
            )
            return see_other(
                f"/rehab/periods/{period_id}?saved=plan&planned={len(result.contact_ids)}"
                f"&skipped={len(result.skipped_days)}#upcoming"
            )
        await runtime.run_db(
            contacts.plan_contact,
            uow,
            principal=request.user,
            period_id=period_id,
            draft=form.to_draft(),
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_period(
            request, uow, runtime, period_id, form=form, refusal=exc, status_code=status
        )
    return see_other(f"/rehab/periods/{period_id}?saved=contact#upcoming")


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
    saved = "cancelled" if status == ContactStatus.CANCELLED.value else "outcome"
    return see_other(f"/rehab/periods/{period}?saved={saved}#contacts")


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
    names = await runtime.run_db(client_names.names_for_periods, uow, request.user, [period_id])
    codes = runtime.plugins.code_lists
    labels = {e.code: e.label(language) for e in codes.entries("measurement_item", period.municipality_code)}
    items = [(key, labels.get(key, key)) for key in MEASUREMENT_ITEMS]
    return page(
        request,
        "rehab_measurement.html",
        status_code=status_code,
        language=language,
        period=period,
        names=names,
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
