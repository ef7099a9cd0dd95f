"""The online self-assessment: the county's questionnaire and, if the person wants, a
request to be contacted. Public; the rules and the abuse limits are the use case's.

Nothing personal goes into an address: the form posts to the county's page, and the
thank-you page that follows carries only the county and the language. A hidden field
that people never see (``website``) catches simple robots: filled in, the answer looks
like success and nothing is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.feedback.public import FeedbackFormView
from sotesilta.core.intake.domain import CONTACT_LANGUAGES, NAME_MAX, WHEN_MAX, FloodLimits, contact_details
from sotesilta.core.intake.domain import interface_language as interface_of
from sotesilta.core.intake.pages.common import variant_links, variant_of
from sotesilta.core.intake.service import assessments, descriptions
from sotesilta.core.intake.service.assessments import Submission
from sotesilta.core.kernel.errors import DomainError, InputInvalid, SubmissionThrottled
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, see_other

log = logging.getLogger("sotesilta.intake")

#: the form's body: 40 short answers and a contact fit many times over
MAX_FORM_BYTES = 16_000
HONEYPOT = "website"

FIELD_MESSAGES = {
    "answers": N_("Answer at least one question, or ask to be contacted."),
    "contact.name": N_("Enter your name (a first name is enough)."),
    "contact.phone": N_("Enter a phone number with 6–15 digits, for example 040 123 4567."),
    "contact.email": N_("Enter an e-mail address, for example name@example.fi."),
    "contact.channel": N_("Choose how we may contact you."),
    "contact.when": N_("Say when to reach you in at most 300 characters."),
    "contact.language": N_("Choose the language."),
}
TARGETS = {
    "contact.name": "contact-name",
    "contact.phone": "contact-phone",
    "contact.email": "contact-email",
    "contact.channel": "contact-channel",
    "contact.when": "contact-when",
    "contact.language": "contact-language",
}


@dataclass
class Filled:
    """What the person gave, kept to show again when something is refused."""

    answers: dict[str, Any] = field(default_factory=dict)
    contact: bool = False
    name: str = ""
    channel: str = "phone"
    phone: str = ""
    email: str = ""
    when: str = ""
    language: str = "fi"

    @classmethod
    def from_form(cls, form: FeedbackFormView | None, posted: FormMultiDict) -> Filled:
        answers: dict[str, Any] = {}
        for question in form.questions if form else ():
            raw = text_field(posted, question.key, (question.max_length or 64) + 1)
            if raw:
                answers[question.key] = int(raw) if question.kind.value == "scale" and raw.isdigit() else raw
        return cls(
            answers=answers,
            contact=posted.get("contact") == "yes",
            name=text_field(posted, "contact_name", NAME_MAX + 1),
            channel=text_field(posted, "contact_channel", 8) or "phone",
            phone=text_field(posted, "contact_phone", 40),
            email=text_field(posted, "contact_email", 254),
            when=text_field(posted, "contact_when", WHEN_MAX + 1),
            language=text_field(posted, "contact_language", 2) or "fi",
        )


def _error(exc: DomainError) -> FormError:
    name = exc.field or ""
    if name.startswith("answers."):
        return FormError(N_("Check this answer."), {}, name.removeprefix("answers."))
    return FormError(FIELD_MESSAGES.get(name, N_("Check what you entered.")), {}, TARGETS.get(name, ""))


async def _render(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    county: str,
    variant: str,
    filled: Filled,
    errors: list[FormError],
    status_code: int = 200,
    station: FromQuery[str | None] = None,
) -> Template:
    language = interface_of(variant)
    form = await runtime.run_db(assessments.get_self_assessment_form, uow, county=county, language=language)
    found = await runtime.run_db(descriptions.get_service_description, uow, county=county, variant=variant)
    return page(
        request,
        "self_assessment.html",
        status_code=status_code,
        language=language,
        county=found,
        form=form,
        station=station,
        variant=variant,
        variants=variant_links(request.url.path, variant),
        filled=filled,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        contact_languages=CONTACT_LANGUAGES,
        response_days=runtime.settings.response_days(county),
    )


@get("/self-assessment/{county:str}", opt=PUBLIC, name="web-self-assessment")
async def self_assessment_page(
    request: Request[Any, Any, Any],
    county: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
    station: FromQuery[str | None] = None,
) -> Template:
    variant = variant_of(request, lang)
    filled = Filled(language=interface_of(variant))
    return await _render(request, uow, runtime, county, variant, filled, [], station=station)


def _submission(county: str, posted: FormMultiDict, filled: Filled, key: str) -> Submission:
    contact = None
    if filled.contact:
        contact = contact_details(
            name=filled.name,
            channel=filled.channel,
            phone=filled.phone,
            email=filled.email,
            when=filled.when,
            language=filled.language,
        )
    version = text_field(posted, "version", 6)
    return Submission(
        county=county,
        station_key=text_field(posted, "station", 64) or None,
        form_key=text_field(posted, "form_key", 64) or None,
        version=int(version) if version.isdigit() else None,
        answers=filled.answers,
        contact=contact,
        address_key=key,
    )


@post(
    "/self-assessment/{county:str}",
    opt=PUBLIC,
    name="web-self-assessment-submit",
    status_code=303,
    request_max_body_size=MAX_FORM_BYTES,
)
async def submit_self_assessment(
    request: Request[Any, Any, Any],
    county: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    variant = variant_of(request, text_field(posted, "lang", 16))
    station = text_field(posted, "station", 64) or None
    language = interface_of(variant)
    sent = f"/self-assessment/{county}/sent?lang={variant}"
    if text_field(posted, HONEYPOT, 200):
        log.info("self-assessment dropped: the hidden field was filled", extra={"county": county})
        return see_other(sent)
    form = await runtime.run_db(assessments.get_self_assessment_form, uow, county=county, language=language)
    filled = Filled.from_form(form, posted)
    try:
        submission = _submission(
            county,
            posted,
            filled,
            assessments.address_key(runtime.secret, request.client.host if request.client else ""),
        )
        receipt = await runtime.run_db(
            assessments.submit_self_assessment,
            uow,
            submission=submission,
            limits=FloodLimits(),
            response_days=runtime.settings.response_days(county),
            refused=runtime.refused_senders,
        )
    except SubmissionThrottled as exc:
        uow.rollback()
        answer = await _render(
            request,
            uow,
            runtime,
            county,
            variant,
            filled,
            [
                FormError(
                    N_("Too many submissions right now. Please phone the health station instead."), {}, ""
                )
            ],
            429,
            station,
        )
        answer.headers["Retry-After"] = str(exc.retry_after_seconds)
        return answer
    except InputInvalid as exc:
        uow.rollback()
        return await _render(request, uow, runtime, county, variant, filled, [_error(exc)], 422, station)
    return see_other(sent + ("&contact=1" if receipt.contact_requested else ""))


@get("/self-assessment/{county:str}/sent", opt=PUBLIC, name="web-self-assessment-sent")
async def sent_page(
    request: Request[Any, Any, Any],
    county: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
    contact: FromQuery[str | None] = None,
) -> Template:
    variant = variant_of(request, lang)
    found = await runtime.run_db(descriptions.get_service_description, uow, county=county, variant=variant)
    return page(
        request,
        "self_assessment_sent.html",
        language=interface_of(variant),
        county=found,
        variant=variant,
        contact=contact == "1",
        response_days=runtime.settings.response_days(county),
    )


ROUTES = [self_assessment_page, submit_self_assessment, sent_page]
