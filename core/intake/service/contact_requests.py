"""The instructors' worklist of contact requests: new, contacted, booked (with the
booking made from it), closed; overdue ones are those still new past their target day.

The list carries no personal data; opening a request reads its contact details, and
that reading is access-logged (there is no client record yet: the entry names the
request). Only instructors of the request's county see it; to anyone else it does not
exist.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.feedback.public import YES_PARTLY_NO_TEXTS, QuestionKind
from sotesilta.core.intake.domain import ContactChannel, ContactRequestStatus, check_transition
from sotesilta.core.intake.service.assessments import current_form
from sotesilta.core.intake.tables import ContactRequest, SelfAssessment
from sotesilta.core.kernel.access import log_use, require_role
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Station
from sotesilta.core.scheduling.public import Booking

log = logging.getLogger("sotesilta.intake")

SUBJECT = "contact_request"
#: the newest requests a worklist shows, of each state
LIST_LIMIT = 200


class ContactRequestSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the worklist: no name, no contact details."""

    id: int
    county_code: str
    station_key: str | None
    station_name: str | None
    created_at: datetime
    due_on: date
    overdue: Annotated[bool, msgspec.Meta(description="still new after its response-time target day")]
    status: ContactRequestStatus
    channel: ContactChannel
    language: str
    booking_id: int | None
    assessed: bool


class AnswerView(msgspec.Struct, frozen=True, kw_only=True):
    question: str
    answer: str


class ContactRequestView(ContactRequestSummary, frozen=True, kw_only=True):
    """One request with what the sender gave (reading it is access-logged)."""

    name: str
    phone: str | None
    email: str | None
    reach_when: str | None
    answers: list[AnswerView]


def _scoped(principal: Principal) -> None:
    require_role(principal, Role.INSTRUCTOR)


def _summary(
    row: ContactRequest, station: Station | None, today: date, language: str
) -> ContactRequestSummary:
    assert row.id is not None
    return ContactRequestSummary(
        id=row.id,
        county_code=row.county_code,
        station_key=station.key if station else None,
        station_name=(station.name_sv if language == "sv" else station.name_fi) if station else None,
        created_at=row.created_at,
        due_on=row.due_on,
        overdue=row.status == ContactRequestStatus.NEW.value and today > row.due_on,
        status=ContactRequestStatus(row.status),
        channel=ContactChannel(row.channel),
        language=row.language,
        booking_id=row.booking_id,
        assessed=row.self_assessment_id is not None,
    )


def list_contact_requests(
    uow: UnitOfWork, *, principal: Principal, status: str | None = None, language: str = "fi"
) -> list[ContactRequestSummary]:
    """The requests of the instructor's counties, oldest open first (overdue at the top)."""
    _scoped(principal)
    if status is not None and status not in {s.value for s in ContactRequestStatus}:
        raise InputInvalid("status must be new, contacted, booked or closed", field="status")
    query = (
        select(ContactRequest, Station)
        .outerjoin(Station, col(Station.id) == col(ContactRequest.station_id))
        .where(col(ContactRequest.county_code).in_(sorted(principal.counties)))
        .order_by(col(ContactRequest.created_at))
        .limit(LIST_LIMIT)
    )
    if status is not None:
        query = query.where(col(ContactRequest.status) == status)
    else:
        query = query.where(col(ContactRequest.status) != ContactRequestStatus.CLOSED.value)
    today = local_date(uow.now)
    rows = [_summary(r, s, today, language) for r, s in uow.session.execute(query).all()]
    return sorted(rows, key=lambda r: (not r.overdue, r.status != "new", r.created_at))


def _load(uow: UnitOfWork, principal: Principal, request_id: int) -> tuple[ContactRequest, Station | None]:
    _scoped(principal)
    row = uow.session.get(ContactRequest, request_id)
    if row is None or row.county_code not in principal.counties:
        raise RecordNotFound(f"no contact request {request_id}")
    station = uow.session.get(Station, row.station_id) if row.station_id else None
    return row, station


def _answers(uow: UnitOfWork, row: ContactRequest, language: str) -> list[AnswerView]:
    if row.self_assessment_id is None:
        return []
    assessment = uow.session.get(SelfAssessment, row.self_assessment_id)
    if assessment is None:
        return []
    given = json.loads(uow.sealer.open(assessment.answers, context="self_assessment.answers"))
    form = uow.plugins.feedback_forms.get(assessment.form_key, assessment.form_version) or current_form(
        uow, row.county_code
    )
    views = []
    for key, value in given.items():
        question = form.question(key) if form else None
        if question is None:
            views.append(AnswerView(question=key, answer=str(value)))
            continue
        label = str(value)
        if question.kind is QuestionKind.CHOICE:
            label = next((o.label.get(language) for o in question.options if o.key == value), label)
        elif question.kind is QuestionKind.YES_PARTLY_NO:
            label = YES_PARTLY_NO_TEXTS[str(value)].get(language) if value in YES_PARTLY_NO_TEXTS else label
        views.append(AnswerView(question=question.text.get(language), answer=label))
    return views


def get_contact_request(
    uow: UnitOfWork, *, principal: Principal, request_id: int, language: str = "fi"
) -> ContactRequestView:
    """One request with its contact details and answers; the reading is logged."""
    row, station = _load(uow, principal, request_id)
    view = _view(uow, row, station, language)
    log_use(uow, principal, AccessAction.READ, SUBJECT, request_id, None)
    uow.commit()
    return view


def _view(uow: UnitOfWork, row: ContactRequest, station: Station | None, language: str) -> ContactRequestView:
    summary = _summary(row, station, local_date(uow.now), language)
    opened = uow.sealer.open_optional
    return ContactRequestView(
        **msgspec.structs.asdict(summary),
        name=uow.sealer.open(row.name, context="contact_request.name"),
        phone=opened(row.phone, context="contact_request.phone"),
        email=opened(row.email, context="contact_request.email"),
        reach_when=opened(row.reach_when, context="contact_request.reach_when"),
        answers=_answers(uow, row, language),
    )


def update_contact_request(
    uow: UnitOfWork,
    *,
    principal: Principal,
    request_id: int,
    status: str,
    booking_id: int | None = None,
    language: str = "fi",
) -> ContactRequestSummary:
    """Move a request on: contacted, booked (naming the booking made from it, of the same
    county), or closed. A booked request that is closed keeps its booking."""
    row, station = _load(uow, principal, request_id)
    target = check_transition(row.status, status, booking_id=booking_id)
    if booking_id is not None:
        booking = uow.session.get(Booking, booking_id)
        booked_station = uow.session.get(Station, booking.station_id) if booking else None
        if booked_station is None or booked_station.county_code != row.county_code:
            raise InputInvalid(f"no booking {booking_id} in county {row.county_code}", field="booking_id")
        row.booking_id = booking_id
    row.status = target.value
    row.status_changed_at, row.status_changed_by = uow.now, principal.user_id
    uow.session.flush()
    log_use(uow, principal, AccessAction.UPDATE, SUBJECT, request_id, None)
    summary = _summary(row, station, local_date(uow.now), language)
    uow.commit()
    log.info("contact request moved", extra={"contact_request": request_id, "status": target.value})
    return summary


class BookingPrefill(msgspec.Struct, frozen=True, kw_only=True):
    """What the booking form starts with when a time is booked from a request."""

    request_id: int
    name: str
    phone: str | None
    language: str
    station_id: int | None


def booking_prefill(uow: UnitOfWork, *, principal: Principal, request_id: int) -> BookingPrefill:
    """The requester's name, phone and language for the booking form (a logged reading)."""
    row, _station = _load(uow, principal, request_id)
    if row.status not in (ContactRequestStatus.NEW.value, ContactRequestStatus.CONTACTED.value):
        raise InputInvalid(f"contact request {request_id} is {row.status}: book from an open one")
    prefill = BookingPrefill(
        request_id=request_id,
        name=uow.sealer.open(row.name, context="contact_request.name"),
        phone=uow.sealer.open_optional(row.phone, context="contact_request.phone"),
        language=row.language,
        station_id=row.station_id,
    )
    log_use(uow, principal, AccessAction.READ, SUBJECT, request_id, None, reason="booking a time from it")
    uow.commit()
    return prefill


def mark_booked(uow: UnitOfWork, *, principal: Principal, request_id: int, booking_id: int) -> None:
    """The booking form booked a time from the request: the request is booked."""
    update_contact_request(
        uow,
        principal=principal,
        request_id=request_id,
        status=ContactRequestStatus.BOOKED.value,
        booking_id=booking_id,
    )
