"""The online self-assessment and the contact request it may end in.

Anyone may submit, without signing in, so every limit is here in the use case (and
counted in the database, so it holds on every instance): the county's questionnaire
decides what a valid answer is, one address may submit a few times an hour, and a
county's queue of unreviewed contact requests has a cap per sender and in all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import msgspec
from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.accounts.public import throttle
from sotesilta.core.feedback.public import Audience, FeedbackForm, FeedbackFormView, form_view
from sotesilta.core.intake.domain import (
    DEFAULT_RESPONSE_DAYS,
    OPEN_STATES,
    ContactDetails,
    FloodLimits,
    add_working_days,
)
from sotesilta.core.intake.service.descriptions import active_stations, assessment_municipality, find_county
from sotesilta.core.intake.service.receipts import confirm_receipt
from sotesilta.core.intake.tables import ContactRequest, SelfAssessment
from sotesilta.core.kernel.cache import ExpiringCache
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound, StateConflict, SubmissionThrottled
from sotesilta.core.kernel.secrets import keyed_digest
from sotesilta.core.kernel.uow import UnitOfWork

log = logging.getLogger("sotesilta.intake")

THROTTLE_KIND = "self_assessment"
#: how long a full queue asks a sender to wait before trying again
QUEUE_FULL_RETRY = timedelta(hours=1)


def address_key(secret: bytes, host: str) -> str:
    """A sender's network address as a keyed digest: enough to count, never stored as such."""
    return keyed_digest(secret, f"address:{host}")


def current_form(uow: UnitOfWork, county: str) -> FeedbackForm | None:
    municipality = assessment_municipality(uow, county)
    if municipality is None:
        return None
    return uow.plugins.feedback_forms.current(Audience.SELF_ASSESSMENT, municipality)


def get_self_assessment_form(uow: UnitOfWork, *, county: str, language: str) -> FeedbackFormView | None:
    """The county's questionnaire in ``language``; ``None`` when it offers none (a contact
    request can still be sent)."""
    find_county(uow, county)
    form = current_form(uow, county)
    return None if form is None else form_view(form, language)


@dataclass(frozen=True)
class Submission:
    county: str
    #: the form version the sender answered (none: no answers, a contact request only)
    form_key: str | None
    version: int | None
    answers: Mapping[str, object]
    contact: ContactDetails | None
    #: the keyed digest of the sender's network address (never the address)
    address_key: str
    station_key: str | None = None


class SelfAssessmentReceipt(msgspec.Struct, frozen=True, kw_only=True):
    county_code: str
    assessed: bool
    contact_requested: bool
    #: when the county aims to have answered, at the latest
    answer_by: date | None


def _checked_answers(
    uow: UnitOfWork, submission: Submission
) -> tuple[FeedbackForm | None, dict[str, object]]:
    form = current_form(uow, submission.county)
    given = {k: v for k, v in submission.answers.items() if v not in (None, "")}
    if not given:
        if submission.contact is None:
            raise InputInvalid("answer at least one question, or ask to be contacted", field="answers")
        return None, {}
    if form is None:
        raise InputInvalid(f"county {submission.county} has no self-assessment", field="answers")
    if (submission.form_key, submission.version) != (form.key, form.version):
        raise StateConflict("the questionnaire has changed: load it again")
    return form, dict(form.check_answers(given))


def _check_queue(uow: UnitOfWork, submission: Submission, limits: FloodLimits) -> None:
    def open_requests(*conditions: object) -> int:
        query = (
            select(func.count())
            .select_from(ContactRequest)
            .where(
                col(ContactRequest.county_code) == submission.county,
                col(ContactRequest.status).in_(OPEN_STATES),
                *conditions,  # type: ignore[arg-type]  # SQL expressions
            )
        )
        return int(uow.session.scalar(query) or 0)

    retry = int(QUEUE_FULL_RETRY.total_seconds())
    if open_requests(col(ContactRequest.address_digest) == submission.address_key) >= limits.open_per_address:
        log.warning("contact request refused: sender's open requests", extra={"county": submission.county})
        raise SubmissionThrottled(
            "earlier contact requests from here are still waiting to be answered", retry_after_seconds=retry
        )
    if open_requests() >= limits.open_per_county:
        log.warning(
            "contact request refused: the county's queue is full", extra={"county": submission.county}
        )
        raise SubmissionThrottled(
            "the contact request queue is full: please phone the health station", retry_after_seconds=retry
        )


def submit_self_assessment(
    uow: UnitOfWork,
    *,
    submission: Submission,
    limits: FloodLimits = FloodLimits(),  # noqa: B008  # frozen
    response_days: int = DEFAULT_RESPONSE_DAYS,
    refused: ExpiringCache[str, datetime] | None = None,
) -> SelfAssessmentReceipt:
    """Store the answers and, if the sender asked, a contact request to the county's
    social guidance, due within ``response_days`` working days.

    ``refused`` is the process's memory of senders refused lately: until their refusal
    passes, a sender's next tries are refused before any database work, so a flood costs a
    dictionary lookup per request (the database's counts stay the rule across instances).
    """
    now = uow.now
    until = refused.get(submission.address_key, now) if refused is not None else None
    if until is not None and until > now:
        raise SubmissionThrottled(
            "too many submissions from this address; try again later",
            retry_after_seconds=max(1, int((until - now).total_seconds())),
        )
    try:
        return _submit(uow, submission, limits, response_days)
    except SubmissionThrottled as exc:
        if refused is not None:
            refused.put(submission.address_key, now + timedelta(seconds=exc.retry_after_seconds), now)
        raise


def _submit(
    uow: UnitOfWork, submission: Submission, limits: FloodLimits, response_days: int
) -> SelfAssessmentReceipt:
    find_county(uow, submission.county)
    station = None
    if submission.station_key:
        station = next(
            (s for s in active_stations(uow, submission.county) if s.key == submission.station_key), None
        )
        if station is None:
            raise RecordNotFound(f"no station {submission.station_key!r} in county {submission.county}")
    form, answers = _checked_answers(uow, submission)
    # the cheap refusals first, and none of them writes: a flood costs reads only
    throttle(
        uow,
        kind=THROTTLE_KIND,
        address_key=submission.address_key,
        limit=limits.per_address,
        window=limits.window,
    )
    if submission.contact is not None:
        _check_queue(uow, submission, limits)
    today = local_date(uow.now)
    assessment_id = None
    if form is not None:
        row = SelfAssessment(
            county_code=submission.county,
            form_key=form.key,
            form_version=form.version,
            submitted_on=today,
            answers=uow.sealer.seal(json.dumps(answers, sort_keys=True), context="self_assessment.answers"),
        )
        uow.session.add(row)
        uow.session.flush()
        assessment_id = row.id
    due = None
    contact = submission.contact
    if contact is not None:
        profile = uow.plugins.municipalities.get(station.municipality_code) if station else None
        due = add_working_days(today, response_days, profile.closing_days if profile else None)
        seal = uow.sealer.seal_optional
        request = ContactRequest(
            county_code=submission.county,
            station_id=station.id if station else None,
            self_assessment_id=assessment_id,
            created_at=uow.now,
            due_on=due,
            status="new",
            channel=contact.channel.value,
            language=contact.language,
            name=uow.sealer.seal(contact.name, context="contact_request.name"),
            phone=seal(contact.phone, context="contact_request.phone"),
            email=seal(contact.email, context="contact_request.email"),
            reach_when=seal(contact.when or None, context="contact_request.reach_when"),
            address_digest=submission.address_key,
        )
        uow.session.add(request)
        uow.session.flush()
        assert request.id is not None
        confirm_receipt(uow, submission.county, request.id, contact, due)
    uow.commit()
    log.info(
        "self-assessment received",
        extra={
            "county": submission.county,
            "assessed": form is not None,
            "contact_requested": due is not None,
        },
    )
    return SelfAssessmentReceipt(
        county_code=submission.county,
        assessed=form is not None,
        contact_requested=due is not None,
        answer_by=due,
    )
