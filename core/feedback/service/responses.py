"""Feedback use cases: the client's anonymous form behind a link, and the staff survey.

A response is stored without anyone's identity (see ``persistence.feedback``).
Single use is decided by the database: a used link and a staff member's answer
of the year are primary keys, so two submissions at once give one response.
The aggregates for the statistics are in ``feedback_summary``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sotesilta.core.feedback.domain import Answer, Audience, FeedbackForm, answer_rows, survey_year
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
    RecordNotFound,
    StateConflict,
)
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.public import AppointmentStatus

#: a visit in one of these states took no place to give feedback on
_NO_VISIT = frozenset(
    {
        AppointmentStatus.CANCELLED.value,
        AppointmentStatus.NOSHOW.value,
        AppointmentStatus.ENTERED_IN_ERROR.value,
    }
)
FREE_TEXT_CONTEXT = "feedback_answer.free_text"


@dataclass(frozen=True)
class ClientForm:
    """What the holder of a link may see: the form and the language to show it in."""

    form: FeedbackForm
    language: str


@dataclass(frozen=True)
class StaffSurvey:
    form: FeedbackForm
    municipality: str
    survey_year: int
    is_open: bool
    answered: bool


@dataclass(frozen=True)
class Receipt:
    form_key: str
    version: int
    language: str  # to thank in


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
    return ClientForm(link.form, language or link.language)


def submit_client_feedback(
    uow: UnitOfWork,
    *,
    secret: bytes,
    token: str,
    form_key: str,
    version: int,
    answers: Mapping[str, object],
    forms: FeedbackFormRegistry,
) -> Receipt:
    """Store the client's answers once; the response keeps no trace of the booking."""
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
    return Receipt(link.form.key, link.form.version, link.language)


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
        form, municipality, year, form.is_open(today), _answered(uow, form, year, principal.user_id)
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
) -> Receipt:
    """Once per person, form and year; who answered is kept apart from what was answered."""
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
    return Receipt(form.key, form.version, principal.language)
