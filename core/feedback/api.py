"""Feedback: the client's anonymous form behind the link on the instructions, and the
yearly survey of health staff."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from sotesilta.core.feedback.domain import MAX_QUESTIONS, YES_PARTLY_NO_TEXTS, FeedbackForm, QuestionKind
from sotesilta.core.feedback.service import responses as feedback
from sotesilta.core.feedback.service.responses import Receipt
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.problems import COMMON_PROBLEMS, PROBLEM_JSON, Problem
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH

TAGS = ["feedback"]
#: the largest honest answer is a few free texts of 2000 characters
MAX_BODY_BYTES = 64_000
Language = Annotated[str | None, QueryParameter(pattern="^(fi|sv|en)$", description="fi, sv or en")]
THANKS = {
    "fi": "Kiitos palautteestasi!",
    "sv": "Tack för din respons!",
    "en": "Thank you for your feedback!",
}


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


#: what the holder of a link may meet: no authentication, so no 401 or 403
LINK_PROBLEMS = {status: COMMON_PROBLEMS[status] for status in (400, 404, 422)} | {
    409: _problem(
        "Feedback already given through this link (feedback-given), the visit has not begun "
        "(feedback-not-open), or the form has changed (state-conflict)"
    ),
    410: _problem("The link has expired, or the visit was cancelled or did not take place (feedback-closed)"),
    413: _problem("Request body too large"),
}
#: the staff survey: the common problems, and its own
SURVEY_PROBLEMS = {
    409: _problem(
        "Answered already this year (feedback-given), outside the survey's months (feedback-not-open), "
        "or the form has changed (state-conflict)"
    ),
}


class OptionOut(BaseModel):
    key: str
    label: str


class QuestionOut(BaseModel):
    key: str
    kind: QuestionKind
    text: str
    required: bool
    minimum: int | None = Field(description="scale: the lowest answer")
    maximum: int | None = Field(description="scale: the highest answer")
    options: list[OptionOut] = Field(description="choice: the options; yes_partly_no: yes, partly, no")
    max_length: int | None = Field(description="free_text: at most this many characters")


class FormOut(BaseModel):
    form_key: str
    version: int
    audience: str
    language: str
    title: str
    intro: str | None
    questions: list[QuestionOut]


class StaffSurveyOut(FormOut):
    municipality: str
    survey_year: int
    open: bool = Field(description="false outside the survey's months")
    answered: bool = Field(description="the caller has answered this year's survey")


class FeedbackIn(BaseModel):
    form_key: str = Field(max_length=64)
    version: int = Field(ge=1, description="the version getFeedbackForm gave")
    answers: dict[str, Any] = Field(
        max_length=MAX_QUESTIONS,
        description="question key -> a whole number (scale), yes/partly/no, an option key (choice), "
        "or text (free_text); null or an empty text leaves a question unanswered",
    )


class StaffSurveyIn(FeedbackIn):
    municipality: str = Field(pattern=r"^\d{3}$")


class ReceiptOut(BaseModel):
    form_key: str
    version: int
    message: str


def form_out(form: FeedbackForm, language: str) -> dict[str, Any]:
    questions = []
    for q in form.questions:
        if q.kind is QuestionKind.YES_PARTLY_NO:
            options = [OptionOut(key=k, label=v.get(language)) for k, v in YES_PARTLY_NO_TEXTS.items()]
        else:
            options = [OptionOut(key=o.key, label=o.label.get(language)) for o in q.options]
        questions.append(
            QuestionOut(
                key=q.key,
                kind=q.kind,
                text=q.text.get(language),
                required=q.required,
                minimum=q.minimum,
                maximum=q.maximum,
                options=options,
                max_length=q.max_length if q.kind is QuestionKind.FREE_TEXT else None,
            )
        )
    return {
        "form_key": form.key,
        "version": form.version,
        "audience": form.audience.value,
        "language": language,
        "title": form.title.get(language),
        "intro": form.intro.get(language) if form.intro else None,
        "questions": questions,
    }


def _receipt(receipt: Receipt, language: str) -> ReceiptOut:
    return ReceiptOut(
        form_key=receipt.form_key, version=receipt.version, message=THANKS.get(language, THANKS["fi"])
    )


@get(
    "/api/v1/feedback/forms/{token:str}",
    operation_id="getFeedbackForm",
    tags=TAGS,
    summary="The client's feedback form behind the link on the instructions (no login: the link is the key)",
    opt={EXCLUDE_FROM_AUTH: True},
    responses=LINK_PROBLEMS,
    sync_to_thread=True,
)
def get_feedback_form(
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: Language = None,
) -> FormOut:
    found = feedback.get_client_form(
        uow, secret=runtime.secret, token=token, forms=runtime.plugins.feedback_forms, language=lang
    )
    return FormOut(**form_out(found.form, found.language))


@post(
    "/api/v1/feedback/forms/{token:str}",
    operation_id="submitFeedback",
    tags=TAGS,
    summary="Answer the client's feedback form, once; nothing links the answers to the client",
    opt={EXCLUDE_FROM_AUTH: True},
    responses=LINK_PROBLEMS,
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
    sync_to_thread=True,
)
def submit_feedback(
    token: FromPath[str],
    data: JSONBody[FeedbackIn],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: Language = None,
) -> ReceiptOut:
    receipt = feedback.submit_client_feedback(
        uow,
        secret=runtime.secret,
        token=token,
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        forms=runtime.plugins.feedback_forms,
    )
    return _receipt(receipt, lang or receipt.language)


@get(
    "/api/v1/feedback/staff-survey",
    operation_id="getStaffSurvey",
    tags=TAGS,
    summary="This year's survey of health staff in a municipality, and whether I have answered it",
    responses=SURVEY_PROBLEMS,
    sync_to_thread=True,
)
def get_staff_survey(
    municipality: Annotated[str, QueryParameter(pattern=r"^\d{3}$")],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: Language = None,
) -> StaffSurveyOut:
    survey = feedback.get_staff_survey(
        uow, principal=principal, municipality=municipality, forms=runtime.plugins.feedback_forms
    )
    return StaffSurveyOut(
        **form_out(survey.form, lang or principal.language),
        municipality=survey.municipality,
        survey_year=survey.survey_year,
        open=survey.is_open,
        answered=survey.answered,
    )


@post(
    "/api/v1/feedback/staff-survey",
    operation_id="submitStaffSurvey",
    tags=TAGS,
    summary="Answer this year's survey of health staff, once; the answers are not linked to me",
    responses=SURVEY_PROBLEMS,
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
    sync_to_thread=True,
)
def submit_staff_survey(
    data: JSONBody[StaffSurveyIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> ReceiptOut:
    receipt = feedback.submit_staff_survey(
        uow,
        principal=principal,
        municipality=data.municipality,
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        forms=runtime.plugins.feedback_forms,
    )
    return _receipt(receipt, receipt.language)


ROUTES = [get_feedback_form, submit_feedback, get_staff_survey, submit_staff_survey]
