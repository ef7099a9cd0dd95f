"""Opening an intensive period from a service decision, with its contacts planned in the same
form (e.g. Tue and Thu at 13 for 8 weeks).

The page calls ``open_period_with_plan``: the period and all its planned contacts are written
together, or nothing is. When a planned contact overlaps a worker's other appointment, every
overlap is listed (the event and its time) beside the form, which keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import WorkerView
from sotesilta.core.rehab.domain import add_months
from sotesilta.core.rehab.pages.plan_form import (
    PLAN_MESSAGES,
    PLANNED_KINDS,
    PlanForm,
    clash_count,
    clashes_of,
    plan_error,
)
from sotesilta.core.rehab.service import decisions as rehab_decisions
from sotesilta.core.rehab.service import plans
from sotesilta.core.rehab.service.periods import DecisionView, GoalDraft, PeriodDraft

#: the plan's own refusals (the rest concern the period)
PLAN_FIELDS = {*PLAN_MESSAGES, "plan"}
MAX_GOAL_LINES = 60
MAX_MONTHS = 6  # the form's default end; the municipality's policy decides what is allowed


@dataclass
class PeriodForm:
    decision_id: str = ""
    starts_on: str = ""
    planned_end: str = ""
    responsible_worker_id: str = ""
    co_worker_id: str = ""
    weekly_target: str = ""
    goals: str = ""
    age_exception_reason: str = ""
    plan: PlanForm = field(default_factory=PlanForm)

    @classmethod
    def from_form(cls, form: FormMultiDict) -> PeriodForm:
        return cls(
            decision_id=text_field(form, "decision_id", 12),
            starts_on=text_field(form, "starts_on", 10),
            planned_end=text_field(form, "planned_end", 10),
            responsible_worker_id=text_field(form, "responsible_worker_id", 12),
            co_worker_id=text_field(form, "co_worker_id", 12),
            weekly_target=text_field(form, "weekly_target", 2),
            goals=str(form.get("goals") or "").strip()[:6000],
            age_exception_reason=text_field(form, "age_exception_reason", 600),
            plan=PlanForm.from_form(form),
        )

    def goal_drafts(self) -> tuple[GoalDraft, ...]:
        """One goal a line; a line starting with a dash is a sub-goal of the goal above it."""
        goals: list[tuple[str, list[str]]] = []
        for line in self.goals.splitlines()[:MAX_GOAL_LINES]:
            text = line.strip()
            if text.startswith(("-", "–")) and goals:
                sub = text.lstrip("-– ").strip()
                if sub:
                    goals[-1][1].append(sub)
            elif text:
                goals.append((text.lstrip("-– ").strip() or text, []))
        return tuple(GoalDraft(text, tuple(subs)) for text, subs in goals)

    def to_draft(self) -> PeriodDraft:
        def number(value: str, name: str) -> int:
            if not value.isdigit():
                raise InputInvalid(f"choose {name}", field=name)
            return int(value)

        def day(value: str, name: str) -> date:
            try:
                found = date.fromisoformat(value) if len(value) == 10 else None
            except ValueError:
                found = None
            if found is None:
                raise InputInvalid("give the day as YYYY-MM-DD", field=name)
            return found

        return PeriodDraft(
            decision_id=number(self.decision_id, "decision_id"),
            starts_on=day(self.starts_on, "starts_on"),
            planned_end=day(self.planned_end, "planned_end"),
            responsible_worker_id=number(self.responsible_worker_id, "responsible_worker_id"),
            co_worker_id=number(self.co_worker_id, "co_worker_id") if self.co_worker_id else None,
            goals=self.goal_drafts(),
            weekly_target=number(self.weekly_target, "weekly_target") if self.weekly_target else None,
            age_exception_reason=self.age_exception_reason or None,
        )


PERIOD_MESSAGES = {
    "decision_id": N_("Choose a valid service decision whose client has no active period."),
    "starts_on": N_("Give the first day of the period, within the decision's validity."),
    "planned_end": N_(
        "Give the planned last day: at most six months from the start and within the decision."
    ),
    "responsible_worker_id": N_("Choose the responsible worker."),
    "worker_id": N_("Choose the responsible worker."),
    "co_worker_id": N_("The co-worker must be another worker who serves the client's municipality."),
    "weekly_target": N_("Give the weekly contact target (1–14)."),
    "goals": N_("Give at most 10 goals of at most 10 sub-goals, each at most 500 characters."),
    "client_id": N_("The client is outside the age group: record the reason for an exception."),
    "age_exception_reason": N_("The client is outside the age group: record the reason for an exception."),
}
PERIOD_TARGETS = {
    "decision_id": "decision",
    "starts_on": "starts-on",
    "planned_end": "planned-end",
    "responsible_worker_id": "responsible",
    "worker_id": "responsible",
    "co_worker_id": "co-worker",
    "weekly_target": "weekly-target",
    "client_id": "age-exception",
    "age_exception_reason": "age-exception",
}


def period_error(exc: DomainError) -> FormError:
    if exc.field in PLAN_FIELDS:
        return plan_error(exc)
    if exc.code == "period-active":
        return FormError(N_("The client already has an active intensive period."), {}, "decision")
    name = exc.field or ""
    if name in PERIOD_MESSAGES:
        return FormError(PERIOD_MESSAGES[name], {}, PERIOD_TARGETS.get(name, name))
    return FormError(N_("The period could not be opened: %(reason)s"), {"reason": exc.detail}, "")


@dataclass(frozen=True)
class NewPeriodChoices:
    decisions: list[DecisionView]
    workers: list[WorkerView]
    own_worker_id: int | None


def new_period_choices(uow: UnitOfWork, principal: Principal) -> NewPeriodChoices:
    decisions = rehab_decisions.list_open_decisions(uow, principal=principal)
    workers = organisations.list_workers(uow, municipalities=principal.municipalities)
    return NewPeriodChoices(decisions, workers, organisations.own_worker_id(uow, principal))


def default_form(choices: NewPeriodChoices, chosen: int | None, today: date) -> PeriodForm:
    """The chosen decision (or the newest) from today, or from its first valid day, for six
    months or until the decision ends; the plan starts with the period."""
    decision = next((d for d in choices.decisions if d.id == chosen), None) or next(
        iter(choices.decisions), None
    )
    if decision is None:
        return PeriodForm(responsible_worker_id=str(choices.own_worker_id or ""))
    starts = max(today, decision.valid_from)
    ends = min(add_months(starts, MAX_MONTHS) - timedelta(days=1), decision.valid_until)
    return PeriodForm(
        decision_id=str(decision.id),
        starts_on=starts.isoformat(),
        planned_end=ends.isoformat(),
        responsible_worker_id=str(choices.own_worker_id or ""),
        plan=PlanForm(day=starts.isoformat(), start="13:00"),
    )


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    form: PeriodForm | None,
    *,
    chosen: int | None = None,
    refusal: DomainError | None = None,
    status_code: int = 200,
) -> Template:
    choices = await runtime.run_db(new_period_choices, uow, request.user)
    if form is None:
        form = default_form(choices, chosen, local_date(runtime.clock.now()))
    errors = [period_error(refusal)] if refusal is not None else []
    clashing, planned = clash_count(refusal)
    return page(
        request,
        "rehab_period_new.html",
        status_code=status_code,
        choices=choices,
        form=form,
        plan=form.plan,
        kinds=PLANNED_KINDS,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        clashes=clashes_of(refusal),
        clashing=clashing,
        planned=planned,
    )


@get("/rehab/periods/new", guards=INSTRUCTORS, name="web-rehab-period-new")
async def new_period_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    decision: FromQuery[str | None] = None,
) -> Template:
    """A new intensive period under a decision, and its recurring contacts."""
    chosen = int(decision) if decision and decision.isdigit() and len(decision) <= 12 else None
    return await _render(request, uow, runtime, None, chosen=chosen)


@post("/rehab/periods", guards=INSTRUCTORS, name="web-rehab-period-open", status_code=303)
async def open_period(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = PeriodForm.from_form(await request.form())
    try:
        draft = form.to_draft()
        plan = form.plan.to_plan() if form.plan.repeats else None
        result = await runtime.run_db(
            plans.open_period_with_plan,
            uow,
            principal=request.user,
            draft=draft,
            plan=plan,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render(request, uow, runtime, form, refusal=exc, status_code=status)
    return see_other(
        f"/rehab/periods/{result.period_id}?saved=opened&planned={len(result.contact_ids)}"
        f"&skipped={len(result.skipped_days)}"
    )


ROUTES = [new_period_page, open_period]
