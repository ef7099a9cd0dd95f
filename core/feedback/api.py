"""Feedback: the client's anonymous form behind the link on the instructions, and the
yearly survey of health staff."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from sotesilta.core.feedback.domain import MAX_QUESTIONS, FeedbackChannel
from sotesilta.core.feedback.service import responses as feedback
from sotesilta.core.feedback.service.responses import FeedbackFormView, FeedbackReceipt, StaffSurveyView
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.problems import COMMON_PROBLEMS, PROBLEM_JSON, Problem
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH

TAGS = ["feedback"]
#: the largest honest answer is a few free texts of 2000 characters
MAX_BODY_BYTES = 64_000
Language = Annotated[str | None, QueryParameter(pattern="^(fi|sv|en)$", description="fi, sv or en")]


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


class ClientFeedbackIn(msgspec.Struct, kw_only=True):
    form_key: Annotated[str, msgspec.Meta(max_length=64)]
    version: Annotated[int, msgspec.Meta(ge=1, description="the version getFeedbackForm gave")]
    answers: Annotated[
        dict[str, Any],
        msgspec.Meta(
            max_length=MAX_QUESTIONS,
            description="question key -> a whole number (scale), yes/partly/no, an option key (choice), "
            "or text (free_text); null or an empty text leaves a question unanswered",
        ),
    ]


class StaffSurveyIn(ClientFeedbackIn, kw_only=True):
    municipality: Annotated[str, msgspec.Meta(pattern=r"^\d{3}$")]


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
) -> FeedbackFormView:
    found = feedback.get_client_form(
        uow, secret=runtime.secret, token=token, forms=runtime.plugins.feedback_forms, language=lang
    )
    return feedback.form_view(found.form, found.language)


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
    data: JSONBody[ClientFeedbackIn],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: Language = None,
) -> FeedbackReceipt:
    return feedback.submit_client_feedback(
        uow,
        secret=runtime.secret,
        token=token,
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        forms=runtime.plugins.feedback_forms,
        language=lang,
    )


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
) -> StaffSurveyView:
    survey = feedback.get_staff_survey(
        uow, principal=principal, municipality=municipality, forms=runtime.plugins.feedback_forms
    )
    return feedback.staff_survey_view(survey, lang or principal.language)


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
) -> FeedbackReceipt:
    return feedback.submit_staff_survey(
        uow,
        principal=principal,
        municipality=data.municipality,
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        forms=runtime.plugins.feedback_forms,
    )


class OralFeedbackIn(ClientFeedbackIn, kw_only=True):
    municipality: Annotated[str, msgspec.Meta(pattern=r"^\d{3}$", description="whose client form")]
    channel: Annotated[
        Literal["oral", "paper"],
        msgspec.Meta(description="how the client gave it: said it, or wrote it on paper"),
    ]
    station_key: Annotated[str, msgspec.Meta(max_length=64, description="where the visit was")] | None = None


@post(
    "/api/v1/feedback/entered",
    operation_id="recordOralFeedback",
    tags=TAGS,
    summary="Enter a client's feedback given orally or on paper (instructors), marked with its channel",
    responses={409: _problem("The form has changed (state-conflict)")},
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
    sync_to_thread=True,
)
def record_oral_feedback(
    data: JSONBody[OralFeedbackIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> FeedbackReceipt:
    return feedback.record_oral_feedback(
        uow,
        principal=principal,
        municipality=data.municipality,
        channel=FeedbackChannel(data.channel),
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        forms=runtime.plugins.feedback_forms,
        station_key=data.station_key,
    )


ROUTES = [get_feedback_form, submit_feedback, get_staff_survey, submit_staff_survey, record_oral_feedback]
