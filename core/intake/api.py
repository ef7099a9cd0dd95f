"""The public's way in, as JSON: the service description and the self-assessment (no
sign-in), and the instructors' worklist of contact requests.

``submitSelfAssessment`` takes no cookie and needs none: nothing it does depends on who
the browser is signed in as, so a forged cross-site request gains nothing a direct one
would not. It accepts only ``application/json``, which a plain cross-site form cannot
send without a CORS preflight (which this server never answers), and its limits — size,
answers checked against the county's form, per-address rate, queue caps — are the use
case's, the same for the page's form.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from sotesilta.core.intake.domain import MAX_ANSWERS, NAME_MAX, WHEN_MAX, FloodLimits, contact_details
from sotesilta.core.intake.service import assessments, contact_requests, descriptions
from sotesilta.core.intake.service.assessments import SelfAssessmentReceipt, Submission
from sotesilta.core.intake.service.contact_requests import ContactRequestSummary
from sotesilta.core.intake.service.descriptions import ServiceDescription
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.problems import COMMON_PROBLEMS, PROBLEM_JSON, Problem
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH

TAGS = ["public"]
WORKLIST_TAGS = ["contact requests"]
#: a questionnaire of at most 40 short answers and a contact: far below this
MAX_BODY_BYTES = 16_000
Variant = Annotated[
    str,
    QueryParameter(
        pattern="^(fi|fi-x-selko|sv|en)$", description="fi, fi-x-selko (plain-language Finnish), sv or en"
    ),
]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


PUBLIC_PROBLEMS = {status: COMMON_PROBLEMS[status] for status in (400, 404, 422)}
SUBMIT_PROBLEMS = PUBLIC_PROBLEMS | {
    409: _problem("The questionnaire has changed since it was loaded (state-conflict)"),
    413: _problem("Request body too large"),
    429: _problem(
        "Too many submissions from this address, or the county's queue of unanswered contact "
        "requests is full (too-many-submissions; see Retry-After)"
    ),
}


def address_key(runtime: Runtime, request: Request[Any, Any, Any]) -> str:
    return assessments.address_key(runtime.secret, request.client.host if request.client else "")


@get(
    "/api/v1/service-descriptions/{county:str}",
    operation_id="getServiceDescription",
    tags=TAGS,
    summary="What social guidance at the county's health stations (or one station) is, for whom, "
    "this week's walk-in hours and how to get a time (no sign-in)",
    opt={EXCLUDE_FROM_AUTH: True},
    responses=PUBLIC_PROBLEMS,
    sync_to_thread=True,
)
def get_service_description(
    county: FromPath[Annotated[str, msgspec.Meta(pattern=r"^\d{2}$")]],
    uow: NamedDependency[UnitOfWork],
    station: Annotated[str | None, QueryParameter(max_length=64, description="a station's key")] = None,
    lang: Variant = "fi",
) -> ServiceDescription:
    return descriptions.get_service_description(uow, county=county, station_key=station, variant=lang)


class SelfAssessmentContactIn(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(max_length=NAME_MAX, description="a first name is enough")]
    channel: Literal["phone", "sms", "email"]
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    when: Annotated[str, msgspec.Meta(max_length=WHEN_MAX, description="when to reach the person")] = ""
    language: Literal["fi", "sv", "en"] = "fi"


class SelfAssessmentIn(msgspec.Struct, kw_only=True):
    county: Annotated[str, msgspec.Meta(pattern=r"^\d{2}$")]
    station: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    form_key: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    answers: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=64)], Any],
        msgspec.Meta(max_length=MAX_ANSWERS, description="question key -> answer, as in the county's form"),
    ] = {}
    contact: SelfAssessmentContactIn | None = None


@post(
    "/api/v1/self-assessments",
    operation_id="submitSelfAssessment",
    tags=TAGS,
    summary="Send a self-assessment and, optionally, a request to be contacted by the county's "
    "social guidance (no sign-in; rate-limited per address)",
    opt={EXCLUDE_FROM_AUTH: True},
    responses=SUBMIT_PROBLEMS,
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
)
async def submit_self_assessment(
    request: Request[Any, Any, Any],
    data: JSONBody[SelfAssessmentIn],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> SelfAssessmentReceipt:
    contact = data.contact
    submission = Submission(
        county=data.county,
        station_key=data.station,
        form_key=data.form_key,
        version=data.version,
        answers=data.answers,
        contact=None
        if contact is None
        else contact_details(
            name=contact.name,
            channel=contact.channel,
            phone=contact.phone,
            email=contact.email,
            when=contact.when,
            language=contact.language,
        ),
        address_key=address_key(runtime, request),
    )
    # async, through run_db like the other hot paths: a flood's refusals (remembered senders)
    # are answered on the event loop on SQLite, without a thread hop each
    return await runtime.run_db(
        assessments.submit_self_assessment,
        uow,
        submission=submission,
        limits=FloodLimits(),
        response_days=runtime.settings.response_days(data.county),
        refused=runtime.refused_senders,
    )


@get(
    "/api/v1/contact-requests",
    operation_id="listContactRequests",
    tags=WORKLIST_TAGS,
    summary="The contact requests of my county (instructors): open ones, or those of one state; "
    "no contact details (the request's page reads them, logged)",
    sync_to_thread=True,
)
def list_contact_requests(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    status: Annotated[
        str | None, QueryParameter(pattern="^(new|contacted|booked|closed)$", description="only this state")
    ] = None,
) -> list[ContactRequestSummary]:
    return contact_requests.list_contact_requests(
        uow, principal=principal, status=status, language=principal.language
    )


class ContactRequestUpdate(msgspec.Struct, kw_only=True):
    status: Literal["contacted", "booked", "closed"]
    booking_id: Annotated[int, msgspec.Meta(ge=1, description="the booking made (booked only)")] | None = None


@patch(
    "/api/v1/contact-requests/{request_id:int}",
    operation_id="updateContactRequest",
    tags=WORKLIST_TAGS,
    summary="Move a contact request on: contacted, booked (naming the booking), closed",
    responses={409: _problem("The request cannot move to that state from its own (state-conflict)")},
    sync_to_thread=True,
)
def update_contact_request(
    request_id: FromPath[Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]],
    data: JSONBody[ContactRequestUpdate],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> ContactRequestSummary:
    return contact_requests.update_contact_request(
        uow,
        principal=principal,
        request_id=request_id,
        status=data.status,
        booking_id=data.booking_id,
        language=principal.language,
    )


ROUTES = [get_service_description, submit_self_assessment, list_contact_requests, update_contact_request]
