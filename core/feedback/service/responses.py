"""Feedback use cases: the client's anonymous form behind a link, and the staff survey.

A response is stored without anyone's identity (see ``persistence.feedback``).
Single use is decided by the database: a used link and a staff member's answer
of the year are primary keys, so two submissions at once give one response.
The aggregates for the statistics are in ``feedback_summary``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.feedback.domain import (
    YES_PARTLY_NO_TEXTS,
    Answer,
    Audience,
    FeedbackChannel,
    FeedbackForm,
    Question,
    QuestionKind,
    answer_rows,
    survey_year,
)
from sotesilta.core.feedback.service import links as feedback_links
from sotesilta.core.feedback.tables import (
    FeedbackAnswer,
    FeedbackLinkUsed,
    FeedbackRespondent,
    FeedbackResponse,
)
from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import (
    FeedbackClosed,
    FeedbackGiven,
    FeedbackNotOpen,
    InputInvalid,
    RecordNotFound,
    StateConflict,
)
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.public import AppointmentStatus

log = logging.getLogger("sotesilta.feedback")

#: a visit in one of these states took no place to give feedback on
_NO_VISIT = frozenset(
    {
        AppointmentStatus.CANCELLED.value,
        AppointmentStatus.NOSHOW.value,
        AppointmentStatus.ENTERED_IN_ERROR.value,
    }
)
FREE_TEXT_CONTEXT = "feedback_answer.free_text"
THANKS = {
    "fi": "Kiitos palautteestasi!",
    "sv": "Tack för din respons!",
    "en": "Thank you for your feedback!",
}


class ClientForm(msgspec.Struct, frozen=True, kw_only=True):
    """What the holder of a link may see: the form and the language to show it in."""

    form: FeedbackForm
    language: str


class StaffSurvey(msgspec.Struct, frozen=True, kw_only=True):
    form: FeedbackForm
    municipality: str
    survey_year: int
    is_open: bool
    answered: bool


class FeedbackOptionView(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str


class FeedbackQuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """A question of a form, in one language."""

    key: str
    kind: QuestionKind
    text: str
    required: bool
    minimum: Annotated[int | None, msgspec.Meta(description="scale: the lowest answer")]
    maximum: Annotated[int | None, msgspec.Meta(description="scale: the highest answer")]
    options: Annotated[
        tuple[FeedbackOptionView, ...],
        msgspec.Meta(description="choice: the options; yes_partly_no: yes, partly, no"),
    ]
    max_length: Annotated[int | None, msgspec.Meta(description="free_text: at most this many characters")]


class FeedbackFormView(msgspec.Struct, frozen=True, kw_only=True):
    """A feedback form in one language, as its answerer sees it (getFeedbackForm)."""

    form_key: str
    version: int
    audience: str
    language: str
    title: str
    intro: str | None
    questions: tuple[FeedbackQuestionView, ...]


class StaffSurveyView(FeedbackFormView, frozen=True, kw_only=True):
    """This year's survey of health staff, in one language, and where the caller stands (getStaffSurvey)."""

    municipality: str
    survey_year: int
    open: Annotated[bool, msgspec.Meta(description="false outside the survey's months")]
    answered: Annotated[bool, msgspec.Meta(description="the caller has answered this year's survey")]


class FeedbackReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """Answers stored: which form version they answered, and thanks in the answerer's language."""

    form_key: str
    version: int
    message: str


def _receipt(form: FeedbackForm, language: str) -> FeedbackReceipt:
    return FeedbackReceipt(
        form_key=form.key, version=form.version, message=THANKS.get(language, THANKS["fi"])
    )


def _options(question: Question, language: str) -> tuple[FeedbackOptionView, ...]:
    """A closed question's options as (key, label): yes/partly/no are the same on every form."""
    if question.kind is QuestionKind.YES_PARTLY_NO:
        return tuple(FeedbackOptionView(key=k, label=t.get(language)) for k, t in YES_PARTLY_NO_TEXTS.items())
    return tuple(FeedbackOptionView(key=o.key, label=o.label.get(language)) for o in question.options)


def form_view(form: FeedbackForm, language: str) -> FeedbackFormView:
    """The form in ``language``: its texts in that language, and the options of every closed question."""
    questions = tuple(
        FeedbackQuestionView(
            key=q.key,
            kind=q.kind,
            text=q.text.get(language),
            required=q.required,
            minimum=q.minimum,
            maximum=q.maximum,
            options=_options(q, language),
            max_length=q.max_length if q.kind is QuestionKind.FREE_TEXT else None,
        )
        for q in form.questions
    )
    return FeedbackFormView(
        form_key=form.key,
        version=form.version,
        audience=form.audience.value,
        language=language,
        title=form.title.get(language),
        intro=form.intro.get(language) if form.intro else None,
        questions=questions,
    )


def staff_survey_view(survey: StaffSurvey, language: str) -> StaffSurveyView:
    """The survey's form in ``language``, with the survey's year and where the caller stands."""
    return StaffSurveyView(
        **msgspec.structs.asdict(form_view(survey.form, language)),
        municipality=survey.municipality,
        survey_year=survey.survey_year,
        open=survey.is_open,
        answered=survey.answered,
    )


@dataclass(frozen=True)
class _Link:
    used_key: str
    municipality: str
    station_key: str
    language: str
    form: FeedbackForm


def _live_link(uow: UnitOfWork, secret: bytes, token: str, forms: FeedbackFormRegistry) -> _Link:
    """The link behind ``token`` if it may be answered now; each refusal says only what the holder needs."""
    now = uow.now
    visit = feedback_links.visit_of(uow, secret, token)
    if uow.session.get(FeedbackLinkUsed, visit.used_key) is not None:
        raise FeedbackGiven("feedback has been given through this link already")
    if visit.status in _NO_VISIT or now >= visit.closes_at:
        raise FeedbackClosed("this feedback link is no longer valid")
    if now < visit.starts_at:
        raise FeedbackNotOpen("feedback can be given once the visit has begun")
    form = forms.current(Audience.CLIENT_VISIT, visit.municipality)
    if form is None:
        raise FeedbackClosed("this feedback link is no longer valid")
    return _Link(visit.used_key, visit.municipality, visit.station_key, visit.language, form)


def _same_form(form: FeedbackForm, form_key: str, version: int) -> None:
    if (form_key, version) != (form.key, form.version):
        raise StateConflict(
            f"the form is now {form.label}: load it again and answer that",
            field="version",
            current=form.version,
        )


def record_response(
    uow: UnitOfWork,
    form: FeedbackForm,
    answers: Mapping[str, Answer],
    *,
    municipality: str,
    station_key: str | None,
    channel: FeedbackChannel = FeedbackChannel.LINK,
) -> None:
    """Store checked answers as one anonymous response; the caller decides who may answer."""
    sealer, now = uow.sealer, uow.now
    response = FeedbackResponse(
        form_key=form.key,
        form_version=form.version,
        audience=form.audience.value,
        municipality_code=municipality,
        station_key=station_key,
        submitted_on=local_date(now),
        channel=channel.value,
    )
    uow.session.add(response)
    uow.session.flush()
    uow.session.add_all(
        FeedbackAnswer(
            response_id=response.id or 0,
            question_key=row.question_key,
            number=row.number,
            choice=row.choice,
            free_text=sealer.seal_optional(row.text, context=FREE_TEXT_CONTEXT),
        )
        for row in answer_rows(form, answers)
    )
    uow.session.flush()


def get_client_form(
    uow: UnitOfWork,
    *,
    secret: bytes,
    token: str,
    forms: FeedbackFormRegistry,
    language: str | None = None,
) -> ClientForm:
    """The form behind a client's link (anonymous: the link is the key)."""
    link = _live_link(uow, secret, token, forms)
    return ClientForm(form=link.form, language=language or link.language)


def submit_client_feedback(
    uow: UnitOfWork,
    *,
    secret: bytes,
    token: str,
    form_key: str,
    version: int,
    answers: Mapping[str, object],
    forms: FeedbackFormRegistry,
    language: str | None = None,
) -> FeedbackReceipt:
    """Store the client's answers once; the response keeps no trace of the booking.

    The receipt thanks in ``language``, else in the language of the client's booking."""
    link = _live_link(uow, secret, token, forms)
    _same_form(link.form, form_key, version)
    clean = link.form.check_answers(answers)
    # two submissions at once: the primary key lets one through
    uow.add_unique(
        FeedbackLinkUsed(token_hash=link.used_key),
        FeedbackGiven("feedback has been given through this link already"),
    )
    record_response(
        uow,
        link.form,
        clean,
        municipality=link.municipality,
        station_key=link.station_key,
    )
    uow.commit()
    return _receipt(link.form, language or link.language)


def record_oral_feedback(
    uow: UnitOfWork,
    *,
    principal: Principal,
    municipality: str,
    channel: FeedbackChannel,
    form_key: str,
    version: int,
    answers: Mapping[str, object],
    forms: FeedbackFormRegistry,
    station_key: str | None = None,
) -> FeedbackReceipt:
    """The instructor enters a client's feedback given orally or on paper, on the municipality's
    client form, marked with its channel. Stored as anonymously as a client's own answers: not
    who entered it, nor which visit it was about."""
    access.require_role(principal, Role.INSTRUCTOR)
    if municipality not in principal.municipalities:
        raise RecordNotFound(f"no municipality {municipality} for you", field="municipality")
    if channel is FeedbackChannel.LINK:
        raise InputInvalid(
            "a client's own answers come through the link: choose oral or paper", field="channel"
        )
    form = forms.current(Audience.CLIENT_VISIT, municipality)
    if form is None:
        raise RecordNotFound(f"municipality {municipality} has no client feedback form", field="municipality")
    _same_form(form, form_key, version)
    if station_key is not None:
        at = uow.session.scalar(select(col(Station.municipality_code)).where(col(Station.key) == station_key))
        if at != municipality:
            raise RecordNotFound(f"no station {station_key!r} in {municipality}", field="station_key")
    clean = form.check_answers(answers)
    record_response(uow, form, clean, municipality=municipality, station_key=station_key, channel=channel)
    uow.commit()
    log.info("feedback entered", extra={"municipality": municipality, "channel": channel.value})
    return _receipt(form, principal.language if principal.language in THANKS else "fi")


def _staff_form(principal: Principal, municipality: str, forms: FeedbackFormRegistry) -> FeedbackForm:
    access.require_role(principal, Role.HEALTH_STAFF)
    form = (
        forms.current(Audience.STAFF_SURVEY, municipality)
        if municipality in principal.municipalities
        else None
    )
    if form is None:
        raise RecordNotFound(f"no staff survey for municipality {municipality}", field="municipality")
    return form


def _answered(uow: UnitOfWork, form: FeedbackForm, year: int, user_id: int) -> bool:
    return uow.session.get(FeedbackRespondent, (form.key, year, user_id)) is not None


def get_staff_survey(
    uow: UnitOfWork, *, principal: Principal, municipality: str, forms: FeedbackFormRegistry
) -> StaffSurvey:
    """This year's survey of health staff in a municipality, and whether the caller has answered it."""
    now = uow.now
    form = _staff_form(principal, municipality, forms)
    today = local_date(now)
    year = survey_year(today)
    return StaffSurvey(
        form=form,
        municipality=municipality,
        survey_year=year,
        is_open=form.is_open(today),
        answered=_answered(uow, form, year, principal.user_id),
    )


def submit_staff_survey(
    uow: UnitOfWork,
    *,
    principal: Principal,
    municipality: str,
    form_key: str,
    version: int,
    answers: Mapping[str, object],
    forms: FeedbackFormRegistry,
) -> FeedbackReceipt:
    """Once per person, form and year; who answered is kept apart from what was answered.

    The receipt thanks in the person's language."""
    now = uow.now
    form = _staff_form(principal, municipality, forms)
    _same_form(form, form_key, version)
    today = local_date(now)
    if not form.is_open(today):
        months = ", ".join(str(m) for m in form.open_months)
        raise FeedbackNotOpen(f"the survey {form.key} is open in months {months}")
    clean = form.check_answers(answers)
    year = survey_year(today)
    uow.add_unique(
        FeedbackRespondent(form_key=form.key, survey_year=year, user_id=principal.user_id),
        FeedbackGiven(f"you have answered the survey {form.key} of {year} already"),
    )
    record_response(
        uow,
        form,
        clean,
        municipality=municipality,
        station_key=None,
    )
    uow.commit()
    return _receipt(form, principal.language)
