"""The client's feedback form: no login, behind the link (or QR code) on their instructions.

Nothing on the page or in the answers says who the client is; the link is
the only key and it works once. The rules live in the feedback use cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.feedback.domain import (
    YES_PARTLY_NO_TEXTS,
    Audience,
    FeedbackChannel,
    FeedbackForm,
    QuestionKind,
)
from sotesilta.core.feedback.service import responses as feedback
from sotesilta.core.kernel.errors import (
    DomainError,
    FeedbackClosed,
    FeedbackGiven,
    FeedbackNotOpen,
    InputInvalid,
    RecordNotFound,
)
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS, PUBLIC
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.i18n import LANGUAGES, N_
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.kernel.web.security import requires_role
from sotesilta.core.organisations import public as organisations

HEALTH_STAFF = [requires_role(Role.HEALTH_STAFF)]

#: why a link cannot be used, in words for the client
LINK_STATES = {
    FeedbackNotOpen: N_("This feedback link opens when your visit begins."),
    FeedbackGiven: N_("Feedback has already been given with this link. Thank you!"),
    FeedbackClosed: N_("This feedback link is no longer open."),
}


@dataclass
class Answers:
    """What the client chose, kept to show again when an answer is refused."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: FeedbackForm, posted: FormMultiDict) -> Answers:
        values: dict[str, Any] = {}
        for question in form.questions:
            raw = str(posted.get(question.key) or "").strip()
            if not raw:
                continue
            if question.kind is QuestionKind.SCALE:
                values[question.key] = int(raw) if raw.isdigit() else raw
            else:
                values[question.key] = raw[: question.max_length + 1]
        return cls(values)


async def _client_form(
    uow: UnitOfWork, runtime: Runtime, token: str, language: str | None
) -> feedback.ClientForm:
    return await runtime.run_db(
        feedback.get_client_form,
        uow,
        secret=runtime.secret,
        token=token,
        forms=runtime.plugins.feedback_forms,
        language=language,
    )


def _answer_error(exc: DomainError) -> FormError:
    """A refused answer, shown beside its question (the use case names it ``answers.<key>``)."""
    return FormError(N_("Check this answer."), {}, (exc.field or "").removeprefix("answers."))


def _choices(form: FeedbackForm, language: str) -> dict[str, list[tuple[str, str]]]:
    """The options of each closed question, as (value, label)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for q in form.questions:
        if q.kind is QuestionKind.SCALE:
            out[q.key] = [(str(n), str(n)) for n in range(q.minimum or 1, (q.maximum or 5) + 1)]
        elif q.kind is QuestionKind.YES_PARTLY_NO:
            out[q.key] = [(key, text.get(language)) for key, text in YES_PARTLY_NO_TEXTS.items()]
        elif q.kind is QuestionKind.CHOICE:
            out[q.key] = [(o.key, o.label.get(language)) for o in q.options]
    return out


def _render(
    request: Request[Any, Any, Any],
    token: str,
    found: feedback.ClientForm,
    answers: Answers,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "feedback.html",
        status_code=status_code,
        language=found.language,
        token=token,
        form=found.form,
        choices=_choices(found.form, found.language),
        answers=answers.values,
        errors=errors,
        field_errors={e.target: e for e in errors},
        sent=False,
    )


def _link_refused(request: Request[Any, Any, Any], exc: DomainError, language: str | None) -> Template:
    message = next((text for kind, text in LINK_STATES.items() if isinstance(exc, kind)), None)
    if message is None:
        raise exc  # not about the link: the pages' error handler answers
    status = 410 if exc.kind == "gone" else 409
    return page(
        request, "feedback.html", status_code=status, language=language, unavailable=message, sent=False
    )


@get("/feedback/{token:str}", opt=PUBLIC, name="web-feedback")
async def feedback_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
) -> Template:
    language = lang if lang in LANGUAGES else None
    try:
        found = await _client_form(uow, runtime, token, language)
    except DomainError as exc:
        return _link_refused(request, exc, language)
    return _render(request, token, found, Answers(), [])


@post("/feedback/{token:str}", opt=PUBLIC, name="web-feedback-submit", status_code=200)
async def submit_feedback_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
) -> Template:
    language = lang if lang in LANGUAGES else None
    try:
        found = await _client_form(uow, runtime, token, language)
    except DomainError as exc:
        return _link_refused(request, exc, language)
    posted = await request.form()
    answers = Answers.from_form(found.form, posted)
    try:
        await runtime.run_db(
            feedback.submit_client_feedback,
            uow,
            secret=runtime.secret,
            token=token,
            form_key=found.form.key,
            version=found.form.version,
            answers=answers.values,
            forms=runtime.plugins.feedback_forms,
        )
    except InputInvalid as exc:
        uow.rollback()
        error = _answer_error(exc)
        return _render(request, token, found, answers, [error], 422)
    except DomainError as exc:
        uow.rollback()
        return _link_refused(request, exc, found.language)
    return page(request, "feedback.html", language=found.language, sent=True)


SURVEY_STATES = {
    "answered": N_("You have answered this year's survey. Thank you!"),
    "closed": N_("The survey is not open now."),
    "none": N_("Your municipality has no survey of health staff."),
}


def _survey_municipality(request: Request[Principal, Any, Any], wanted: str | None) -> str:
    mine = sorted(request.user.municipalities)
    return wanted if wanted in mine else (mine[0] if mine else "")


async def _survey(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    municipality: str,
    answers: Answers,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    try:
        survey = await runtime.run_db(
            feedback.get_staff_survey,
            uow,
            principal=request.user,
            municipality=municipality,
            forms=runtime.plugins.feedback_forms,
        )
    except RecordNotFound:
        return page(
            request,
            "feedback.html",
            status_code=status_code,
            staff=True,
            unavailable=SURVEY_STATES["none"],
            sent=False,
        )
    if survey.answered or not survey.is_open:
        state = SURVEY_STATES["answered" if survey.answered else "closed"]
        return page(
            request, "feedback.html", status_code=status_code, staff=True, unavailable=state, sent=False
        )
    language = language_of(request)
    return page(
        request,
        "feedback.html",
        status_code=status_code,
        staff=True,
        municipality=municipality,
        form=survey.form,
        choices=_choices(survey.form, language),
        answers=answers.values,
        errors=errors,
        field_errors={e.target: e for e in errors},
        sent=False,
    )


@get("/survey", guards=HEALTH_STAFF, name="web-staff-survey")
async def staff_survey_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    municipality: FromQuery[str | None] = None,
) -> Template:
    """The yearly survey of health staff: once a year, answers kept apart from who answered."""
    return await _survey(request, uow, runtime, _survey_municipality(request, municipality), Answers(), [])


@post("/survey", guards=HEALTH_STAFF, name="web-staff-survey-submit", status_code=200)
async def submit_staff_survey_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    posted = await request.form()
    municipality = _survey_municipality(request, str(posted.get("municipality") or ""))
    try:
        survey = await runtime.run_db(
            feedback.get_staff_survey,
            uow,
            principal=request.user,
            municipality=municipality,
            forms=runtime.plugins.feedback_forms,
        )
        answers = Answers.from_form(survey.form, posted)
        await runtime.run_db(
            feedback.submit_staff_survey,
            uow,
            principal=request.user,
            municipality=municipality,
            form_key=survey.form.key,
            version=survey.form.version,
            answers=answers.values,
            forms=runtime.plugins.feedback_forms,
        )
    except InputInvalid as exc:
        uow.rollback()
        error = _answer_error(exc)
        return await _survey(request, uow, runtime, municipality, answers, [error], 422)
    except (RecordNotFound, FeedbackGiven, FeedbackNotOpen):
        uow.rollback()
        return await _survey(request, uow, runtime, municipality, Answers(), [], 409)
    return page(request, "feedback.html", staff=True, sent=True)


# --- feedback the instructor enters (given orally or on paper) ----------------------------------

#: how a client gave feedback that the instructor enters
ENTERED_CHANNELS = (FeedbackChannel.ORAL.value, FeedbackChannel.PAPER.value)


@dataclass
class Entered:
    """The instructor's choices besides the answers, kept to show again when refused."""

    municipality: str = ""
    channel: str = FeedbackChannel.ORAL.value
    station_key: str = ""


def _entry_screen(
    uow: UnitOfWork, principal: Principal, municipality: str, forms: Any
) -> tuple[FeedbackForm | None, list[Any]]:
    form = (
        forms.current(Audience.CLIENT_VISIT, municipality)
        if municipality in principal.municipalities
        else None
    )
    return form, organisations.list_stations(uow, municipality=municipality) if municipality else []


async def _entry_page(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    entered: Entered,
    answers: Answers,
    errors: list[FormError],
    *,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    form, stations = await runtime.run_db(
        _entry_screen, uow, request.user, entered.municipality, runtime.plugins.feedback_forms
    )
    language = language_of(request)
    return page(
        request,
        "feedback_entered.html",
        status_code=status_code,
        entered=entered,
        form=form,
        choices=_choices(form, language) if form else {},
        stations=stations,
        channels=ENTERED_CHANNELS,
        answers=answers.values,
        errors=errors,
        field_errors={e.target: e for e in errors},
        saved=saved,
    )


def _entered_of(request: Request[Principal, Any, Any], posted: Any) -> Entered:
    return Entered(
        municipality=_survey_municipality(request, str(posted.get("municipality") or "")),
        channel=str(posted.get("channel") or "")[:8],
        station_key=str(posted.get("station_key") or "")[:64],
    )


@get("/work/feedback", guards=INSTRUCTORS, name="web-feedback-entered")
async def entered_feedback_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    municipality: FromQuery[str | None] = None,
    saved: FromQuery[str | None] = None,
) -> Template:
    """A client's feedback given orally or on paper, entered on the municipality's client form."""
    entered = Entered(municipality=_survey_municipality(request, municipality))
    return await _entry_page(request, uow, runtime, entered, Answers(), [], saved=saved == "1")


@post("/work/feedback", guards=INSTRUCTORS, name="web-feedback-entered-save", status_code=303)
async def save_entered_feedback(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    entered = _entered_of(request, posted)
    form = runtime.plugins.feedback_forms.current(Audience.CLIENT_VISIT, entered.municipality)
    answers = Answers.from_form(form, posted) if form else Answers()
    try:
        if form is None:
            raise RecordNotFound("no client form", field="municipality")
        if entered.channel not in ENTERED_CHANNELS:
            raise InputInvalid("choose oral or paper", field="channel")
        await runtime.run_db(
            feedback.record_oral_feedback,
            uow,
            principal=request.user,
            municipality=entered.municipality,
            channel=FeedbackChannel(entered.channel),
            form_key=form.key,
            version=form.version,
            answers=answers.values,
            forms=runtime.plugins.feedback_forms,
            station_key=entered.station_key or None,
        )
    except (InputInvalid, RecordNotFound) as exc:
        uow.rollback()
        target = {"channel": "channel", "station_key": "station"}.get(exc.field or "")
        error = FormError(ENTRY_MESSAGES[target], {}, target) if target else _answer_error(exc)
        return await _entry_page(request, uow, runtime, entered, answers, [error], status_code=422)
    return see_other(f"/work/feedback?municipality={entered.municipality}&saved=1")


ENTRY_MESSAGES = {
    "channel": N_("Choose how the client gave the feedback."),
    "station": N_("Choose a station of the municipality, or leave it open."),
}

ROUTES = [
    feedback_page,
    submit_feedback_page,
    staff_survey_page,
    submit_staff_survey_page,
    entered_feedback_page,
    save_entered_feedback,
]
