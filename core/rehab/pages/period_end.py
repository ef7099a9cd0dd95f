"""The end of an intensive period (Päijät-Häme): closing it with its last day and the reason, and
entering the client's written period feedback.

Both forms call the same use cases as the JSON API (``closeIntensivePeriod``,
``submitPeriodFeedback``); this module only reads the fields and puts a refusal beside the
field it concerns, with everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.feedback.public import YES_PARTLY_NO, YES_PARTLY_NO_TEXTS, Audience
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.rehab.domain import EndReason, FeedbackAnswer, FeedbackKind
from sotesilta.core.rehab.service import client_names
from sotesilta.core.rehab.service import outcomes as rehab_outcomes
from sotesilta.core.rehab.service import periods as rehab_periods
from sotesilta.core.rehab.service.outcomes import MeasurementSummary
from sotesilta.core.rehab.service.periods import PeriodView

END_REASONS = tuple(r.value for r in EndReason)
FEEDBACK_KINDS = tuple(k.value for k in FeedbackKind)
MAX_FREE_TEXT = 2000


def _day(value: str, field: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InputInvalid("give the day as YYYY-MM-DD", field=field)


@dataclass(frozen=True)
class PeriodEnd:
    """What the closing and feedback pages show of the period."""

    period: PeriodView
    measurements: MeasurementSummary


def period_end(uow: UnitOfWork, principal: Principal, period_id: int) -> PeriodEnd:
    period = rehab_periods.get_intensive_period(
        uow,
        principal=principal,
        period_id=period_id,
    )
    summary = rehab_outcomes.get_measurements(
        uow,
        principal=principal,
        period_id=period_id,
    )
    return PeriodEnd(period, summary)


# --- closing ------------------------------------------------------------------------


@dataclass
class CloseForm:
    ended_on: str = ""
    reason: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> CloseForm:
        return cls(
            ended_on=str(form.get("ended_on") or "").strip()[:10],
            reason=str(form.get("reason") or "").strip()[:30],
        )

    def values(self) -> tuple[date, EndReason]:
        ended_on = _day(self.ended_on, "ended_on")
        if self.reason not in END_REASONS:
            raise InputInvalid("choose why the period ends", field="reason")
        return ended_on, EndReason(self.reason)


def close_error(exc: DomainError) -> FormError:
    if exc.code == "period-active":
        return FormError(N_("The period is already closed."), {}, "")
    if exc.field == "reason":
        return FormError(N_("Choose why the period ends."), {}, "reason")
    if exc.field == "ended_on":
        return FormError(
            N_(
                "Give the last day of the period: from its start until today, at the latest on its "
                "longest end, and not before a contact already recorded as realised or no-show."
            ),
            {},
            "ended-on",
        )
    return FormError(N_("The period could not be closed: %(reason)s"), {"reason": exc.detail}, "")


async def _render_close(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    period_id: int,
    form: CloseForm,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    screen = await runtime.run_db(period_end, uow, request.user, period_id)
    names = await runtime.run_db(client_names.names_for_periods, uow, request.user, [period_id])
    return page(
        request,
        "rehab_close.html",
        status_code=status_code,
        screen=screen,
        names=names,
        form=form,
        reasons=END_REASONS,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/rehab/periods/{period_id:int}/close", guards=INSTRUCTORS, name="web-rehab-close")
async def close_page(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The closing form: the last day, the reason, and whether the end measurement is in."""
    form = CloseForm(ended_on=local_date(runtime.clock.now()).isoformat())
    return await _render_close(request, uow, runtime, period_id, form, [])


@post(
    "/rehab/periods/{period_id:int}/close", guards=INSTRUCTORS, name="web-rehab-close-submit", status_code=303
)
async def close_period(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = CloseForm.from_form(await request.form())
    try:
        ended_on, reason = form.values()
        await runtime.run_db(
            rehab_periods.close_intensive_period,
            uow,
            principal=request.user,
            period_id=period_id,
            ended_on=ended_on,
            reason=reason,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_close(request, uow, runtime, period_id, form, [close_error(exc)], status)
    return see_other(f"/rehab/periods/{period_id}?saved=closed")


# --- period feedback ----------------------------------------------------------------


@dataclass
class FeedbackForm:
    kind: str = FeedbackKind.END.value
    submitted_on: str = ""
    useful: str = ""
    towards_goals: str = ""
    free_text: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> FeedbackForm:
        return cls(
            kind=text_field(form, "kind", 20),
            submitted_on=text_field(form, "submitted_on", 10),
            useful=text_field(form, "useful", 10),
            towards_goals=text_field(form, "towards_goals", 10),
            # kept whole so that too long a text is refused rather than cut
            free_text=str(form.get("free_text") or "")[: MAX_FREE_TEXT * 2],
        )

    def values(self) -> dict[str, Any]:
        if self.kind not in FEEDBACK_KINDS:
            raise InputInvalid("choose when the feedback was given", field="kind")
        submitted_on = _day(self.submitted_on, "submitted_on")
        for name in ("useful", "towards_goals"):
            if getattr(self, name) not in YES_PARTLY_NO:
                raise InputInvalid(f"answer {name}: yes, partly or no", field=name)
        return {
            "kind": FeedbackKind(self.kind),
            "submitted_on": submitted_on,
            "useful": FeedbackAnswer(self.useful),
            "towards_goals": FeedbackAnswer(self.towards_goals),
            "free_text": self.free_text or None,
        }


def feedback_error(exc: DomainError) -> FormError:
    if exc.code == "state-conflict" or exc.kind == "conflict":
        return FormError(N_("Feedback for this collection window is already recorded."), {}, "kind")
    if exc.field == "kind":
        return FormError(N_("Choose when the feedback was given."), {}, "kind")
    if exc.field == "submitted_on":
        return FormError(
            N_(
                "Give the day the client gave the feedback, not in the future: end-of-period feedback "
                "from two weeks before the planned end until 30 days after the end, quarterly feedback "
                "in the first two weeks of a quarter during the period."
            ),
            {},
            "submitted-on",
        )
    if exc.field in ("useful", "towards_goals"):
        return FormError(N_("Choose the client's answer: yes, partly or no."), {}, exc.field or "")
    if exc.field == "free_text":
        return FormError(N_("The client's own words may have at most 2000 characters."), {}, "free-text")
    return FormError(N_("The feedback could not be recorded: %(reason)s"), {"reason": exc.detail}, "")


@dataclass(frozen=True)
class FeedbackQuestions:
    """The texts of the municipality's rehab feedback form in the page's language, if it has one."""

    title: str | None
    useful: str | None
    towards_goals: str | None
    free_text: str | None
    answers: tuple[tuple[str, str], ...]  # (key, label)


def feedback_questions(runtime: Runtime, municipality: str, language: str) -> FeedbackQuestions:
    form = runtime.plugins.feedback_forms.current(Audience.REHAB, municipality)
    texts = {q.key: q.text.get(language) for q in form.questions} if form else {}
    return FeedbackQuestions(
        form.title.get(language) if form else None,
        texts.get("useful"),
        texts.get("towards_goals"),
        texts.get("free_text"),
        tuple((key, YES_PARTLY_NO_TEXTS[key].get(language)) for key in YES_PARTLY_NO),
    )


async def _render_feedback(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    period_id: int,
    form: FeedbackForm,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    screen = await runtime.run_db(period_end, uow, request.user, period_id)
    names = await runtime.run_db(client_names.names_for_periods, uow, request.user, [period_id])
    language = language_of(request)
    return page(
        request,
        "rehab_feedback.html",
        status_code=status_code,
        language=language,
        screen=screen,
        names=names,
        questions=feedback_questions(runtime, screen.period.municipality_code, language),
        form=form,
        kinds=FEEDBACK_KINDS,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/rehab/periods/{period_id:int}/feedback", guards=INSTRUCTORS, name="web-rehab-feedback")
async def feedback_page(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The client's written period feedback, entered by the instructor."""
    form = FeedbackForm(submitted_on=local_date(runtime.clock.now()).isoformat())
    return await _render_feedback(request, uow, runtime, period_id, form, [])


@post(
    "/rehab/periods/{period_id:int}/feedback",
    guards=INSTRUCTORS,
    name="web-rehab-feedback-submit",
    status_code=303,
)
async def submit_feedback(
    request: Request[Principal, Any, Any],
    period_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = FeedbackForm.from_form(await request.form())
    try:
        values = form.values()
        await runtime.run_db(
            rehab_outcomes.submit_period_feedback,
            uow,
            principal=request.user,
            period_id=period_id,
            **values,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_feedback(request, uow, runtime, period_id, form, [feedback_error(exc)], status)
    return see_other(f"/rehab/periods/{period_id}?saved=feedback#feedback")


ROUTES = [close_page, close_period, feedback_page, submit_feedback]
