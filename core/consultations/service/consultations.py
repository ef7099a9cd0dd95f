"""Consultations from health staff to social care.

A consultation is anonymous by default: no client identity is stored at all.
Naming the client needs the client's consent of scope ``named_consultation``
to the municipality's social care, active at the moment of each use; the
decision comes from the consent policy (a plugin hook), and every use of a
named consultation is written to the access log.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

import msgspec
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlmodel import col

from sotesilta.core.clients import public as clients
from sotesilta.core.consultations.tables import (
    Consultation,
    ConsultationMessage,
    ConsultationRead,
)
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import ConsentMissing, InputInvalid, RecordNotFound
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, ConsentQuery, ConsentScope
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Municipality

log = logging.getLogger("sotesilta.consultations")
TEXT_MAX = 4000


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    IN_PERSON = "in_person"


class MessageView(msgspec.Struct, frozen=True, kw_only=True):
    """A message in a consultation's thread, opened."""

    id: int
    author_id: int
    body: str
    at: datetime


class ConsultationView(msgspec.Struct, frozen=True, kw_only=True):
    """A consultation: its question (empty in a list of named ones), its thread and what was unread."""

    id: int
    municipality_code: str
    channel: str
    asked_by: int
    to_worker_id: int | None
    client_id: int | None
    consent_id: int | None
    question: str
    created_at: datetime
    answered_at: datetime | None
    messages: tuple[MessageView, ...]
    unread: int


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > TEXT_MAX:
        raise InputInvalid(f"{field} must be 1-{TEXT_MAX} characters", field=field)
    return value


def _social_care_of(uow: UnitOfWork, municipality: str) -> str:
    """The recipient of a named consultation: the social care of the municipality's county
    (the controller of the data since 2023), named by the county's code."""
    found = uow.session.get(Municipality, municipality)
    return found.county_code if found is not None else municipality


def _require_consent(uow: UnitOfWork, client_id: int, scope: ConsentScope, recipient: str) -> int:
    plugins, now = uow.plugins, uow.now
    decision = plugins.consent_decision(uow.session, ConsentQuery(client_id, scope, recipient, now))
    if not decision.allowed or decision.consent_id is None:
        raise ConsentMissing(decision.reason, scope=scope.value, recipient=recipient, client_id=client_id)
    return decision.consent_id


def _log(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    subject: str,
    subject_id: int,
    client_id: int,
    consent_id: int | None,
) -> None:
    plugins, now = uow.plugins, uow.now
    basis = AccessBasis.CONSENT if consent_id else AccessBasis.TASK
    event = access.access_event(
        principal,
        action,
        subject,
        subject_id,
        client_id=client_id,
        now=now,
        basis=basis,
        consent_id=consent_id,
    )
    plugins.record_access(uow.connection, event)


def create_consultation(
    uow: UnitOfWork,
    *,
    principal: Principal,
    municipality: str,
    channel: Channel,
    question: str,
    client_id: int | None = None,
    to_worker_id: int | None = None,
) -> ConsultationView:
    sealer, plugins, now = uow.sealer, uow.plugins, uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    if municipality not in principal.municipalities:
        raise RecordNotFound(f"no municipality {municipality} for you", field="municipality")
    question = _text(question, "question")
    if to_worker_id is not None and not organisations.serves(uow, to_worker_id, municipality):
        raise RecordNotFound(f"no worker {to_worker_id} serving {municipality}", field="to_worker_id")
    consent_id = None
    if client_id is not None:
        clients.client_access(uow, principal, client_id)  # a relationship or a stated reason
        consent_id = _require_consent(
            uow, client_id, ConsentScope.NAMED_CONSULTATION, _social_care_of(uow, municipality)
        )
    consultation = Consultation(
        municipality_code=municipality,
        channel=channel.value,
        asked_by=principal.user_id,
        to_worker_id=to_worker_id,
        client_id=client_id,
        consent_id=consent_id,
        question=sealer.seal(question, context="consultation.question"),
        created_at=now,
    )
    uow.session.add(consultation)
    uow.session.flush()
    assert consultation.id is not None
    if client_id is not None:
        _log(
            uow,
            principal,
            AccessAction.CREATE,
            "consultation",
            consultation.id,
            client_id,
            consent_id,
        )
    uow.commit()
    log.info(
        "consultation opened", extra={"consultation_id": consultation.id, "named": client_id is not None}
    )
    plugins.notify(
        DomainEvent(
            EventKind.CONSULTATION_OPENED,
            consultation.municipality_code,
            consultation.id or 0,
            now,
            {"channel": consultation.channel, "named": client_id is not None},
        )
    )
    return _view(consultation, question, (), 0)


def _view(c: Consultation, question: str, messages: tuple[MessageView, ...], unread: int) -> ConsultationView:
    return ConsultationView(
        id=c.id or 0,
        municipality_code=c.municipality_code,
        channel=c.channel,
        asked_by=c.asked_by,
        to_worker_id=c.to_worker_id,
        client_id=c.client_id,
        consent_id=c.consent_id,
        question=question,
        created_at=c.created_at,
        answered_at=c.answered_at,
        messages=messages,
        unread=unread,
    )


def _participant(uow: UnitOfWork, principal: Principal, consultation_id: int) -> Consultation:
    """The asker, or social care of the municipality (instructors); others: not found."""
    consultation = uow.session.get(Consultation, consultation_id)
    if consultation is None or consultation.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no consultation {consultation_id}")
    if consultation.asked_by == principal.user_id or principal.has_any_role(Role.INSTRUCTOR):
        return consultation
    raise RecordNotFound(f"no consultation {consultation_id}")


def _named_use(
    uow: UnitOfWork,
    principal: Principal,
    consultation: Consultation,
    action: AccessAction,
) -> None:
    """A named consultation may be used only while its consent holds."""
    if consultation.client_id is None:
        return
    consent_id = _require_consent(
        uow,
        consultation.client_id,
        ConsentScope.NAMED_CONSULTATION,
        _social_care_of(uow, consultation.municipality_code),
    )
    _log(
        uow,
        principal,
        action,
        "consultation",
        consultation.id or 0,
        consultation.client_id,
        consent_id,
    )


def post_message(
    uow: UnitOfWork,
    *,
    principal: Principal,
    consultation_id: int,
    body: str,
) -> MessageView:
    sealer, plugins, now = uow.sealer, uow.plugins, uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    consultation = _participant(uow, principal, consultation_id)
    body = _text(body, "body")
    _named_use(uow, principal, consultation, AccessAction.UPDATE)
    message = ConsultationMessage(
        consultation_id=consultation_id,
        author_id=principal.user_id,
        body=sealer.seal(body, context="consultation_message.body"),
        at=now,
    )
    uow.session.add(message)
    first_answer = consultation.answered_at is None and principal.user_id != consultation.asked_by
    if first_answer:
        consultation.answered_at, consultation.answered_by = now, principal.user_id
    uow.session.flush()
    _mark_read(uow, consultation_id, principal.user_id, message.id or 0)
    uow.commit()
    if first_answer:
        plugins.notify(
            DomainEvent(
                EventKind.CONSULTATION_ANSWERED,
                consultation.municipality_code,
                consultation_id,
                now,
                {"channel": consultation.channel, "named": consultation.client_id is not None},
            )
        )
    return MessageView(id=message.id or 0, author_id=principal.user_id, body=body, at=now)


def _mark_read(uow: UnitOfWork, consultation_id: int, user_id: int, last_id: int) -> None:
    marker = uow.session.get(ConsultationRead, (consultation_id, user_id))
    if marker is None:
        uow.session.add(
            ConsultationRead(consultation_id=consultation_id, user_id=user_id, last_message_id=last_id)
        )
    else:
        marker.last_message_id = max(marker.last_message_id, last_id)


def read_thread(
    uow: UnitOfWork,
    *,
    principal: Principal,
    consultation_id: int,
) -> ConsultationView:
    """The question and messages; the unread count is what this reader had not seen before."""
    sealer = uow.sealer
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    consultation = _participant(uow, principal, consultation_id)
    _named_use(uow, principal, consultation, AccessAction.READ)
    marker = uow.session.get(ConsultationRead, (consultation_id, principal.user_id))
    seen = marker.last_message_id if marker else 0
    rows = uow.session.scalars(
        select(ConsultationMessage)
        .where(col(ConsultationMessage.consultation_id) == consultation_id)
        .order_by(col(ConsultationMessage.id))
    ).all()
    messages = tuple(
        MessageView(
            id=m.id or 0,
            author_id=m.author_id,
            body=sealer.open(m.body, context="consultation_message.body"),
            at=m.at,
        )
        for m in rows
    )
    unread = sum(1 for m in messages if m.id > seen and m.author_id != principal.user_id)
    # a marker even with no message yet: the question itself has been seen (news_count)
    _mark_read(uow, consultation_id, principal.user_id, messages[-1].id if messages else 0)
    question = sealer.open(consultation.question, context="consultation.question")
    view = _view(consultation, question, messages, unread)
    uow.commit()
    return view


class NamedClient(msgspec.Struct, frozen=True, kw_only=True):
    """The client a named consultation names, opened for one who may see who it is."""

    client_id: int
    name: str
    identity_code: str | None


def sees_the_name(principal: Principal, consultation: Consultation, own_worker: int | None) -> bool:
    """Who a named consultation shows the client's identity to: the one who asked, and the
    instructor it is addressed to (the consent is for that consultation). Others of social care
    read the question, not who it is about; an unaddressed one names the client to no instructor."""
    if consultation.client_id is None:
        return False
    if consultation.asked_by == principal.user_id:
        return True
    return (
        principal.has_any_role(Role.INSTRUCTOR)
        and own_worker is not None
        and consultation.to_worker_id == own_worker
    )


def identify_client(uow: UnitOfWork, *, principal: Principal, consultation_id: int) -> NamedClient | None:
    """The named client's name and identity code, for the asker and the addressed instructor,
    while the consent holds (``ConsentMissing`` once it does not); the read is logged under it.
    ``None`` for everyone else, and for an anonymous consultation (nothing is logged then)."""
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    consultation = _participant(uow, principal, consultation_id)
    own_worker = (
        organisations.own_worker_id(uow, principal) if principal.has_any_role(Role.INSTRUCTOR) else None
    )
    if consultation.client_id is None or not sees_the_name(principal, consultation, own_worker):
        return None
    consent_id = _require_consent(
        uow,
        consultation.client_id,
        ConsentScope.NAMED_CONSULTATION,
        _social_care_of(uow, consultation.municipality_code),
    )
    client = clients.opened_client(uow, consultation.client_id)
    _log(uow, principal, AccessAction.READ, "client", client.id, client.id, consent_id)
    uow.commit()
    return NamedClient(client_id=client.id, name=client.name, identity_code=client.identity_code)


def unread_counts(uow: UnitOfWork, *, principal: Principal) -> dict[int, int]:
    """Unread messages per consultation this person takes part in (for polling)."""
    marker = (
        select(col(ConsultationRead.last_message_id))
        .where(
            col(ConsultationRead.consultation_id) == col(ConsultationMessage.consultation_id),
            col(ConsultationRead.user_id) == principal.user_id,
        )
        .scalar_subquery()
    )
    query = (
        select(col(ConsultationMessage.consultation_id), func.count())
        .join(Consultation, col(Consultation.id) == col(ConsultationMessage.consultation_id))
        .where(
            col(Consultation.municipality_code).in_(principal.municipalities),
            col(ConsultationMessage.author_id) != principal.user_id,
            col(ConsultationMessage.id) > func.coalesce(marker, 0),
        )
        .group_by(col(ConsultationMessage.consultation_id))
    )
    if not principal.has_any_role(Role.INSTRUCTOR):
        query = query.where(col(Consultation.asked_by) == principal.user_id)
    rows = uow.session.execute(query).all()
    return {consultation_id: int(n) for consultation_id, n in rows}


def news_count(uow: UnitOfWork, *, principal: Principal) -> int:
    """How many consultations have something new for this person, in one statement: a message
    she has not read in one she asked or answered; for an instructor also one addressed to her
    that she has not opened or has unread messages, and an unanswered one addressed to nobody
    that she has not opened. (Opening a consultation marks it read: ``read_thread``.)"""
    me = principal.user_id
    read_marker = (
        select(col(ConsultationRead.last_message_id))
        .where(
            col(ConsultationRead.consultation_id) == col(Consultation.id),
            col(ConsultationRead.user_id) == me,
        )
        .scalar_subquery()
    )
    unread_message = exists().where(
        col(ConsultationMessage.consultation_id) == col(Consultation.id),
        col(ConsultationMessage.author_id) != me,
        col(ConsultationMessage.id) > func.coalesce(read_marker, 0),
    )
    takes_part = or_(col(Consultation.asked_by) == me, col(Consultation.answered_by) == me)
    news: list[ColumnElement[bool]] = [and_(takes_part, unread_message)]
    if principal.has_any_role(Role.INSTRUCTOR):
        never_opened = ~exists().where(
            col(ConsultationRead.consultation_id) == col(Consultation.id),
            col(ConsultationRead.user_id) == me,
        )
        asked_by_another = col(Consultation.asked_by) != me
        if principal.worker_id is not None:
            to_me = col(Consultation.to_worker_id) == principal.worker_id
            news.append(and_(to_me, asked_by_another, or_(never_opened, unread_message)))
        unaddressed = and_(col(Consultation.to_worker_id).is_(None), col(Consultation.answered_at).is_(None))
        news.append(and_(unaddressed, asked_by_another, never_opened))
    query = (
        select(func.count())
        .select_from(Consultation)
        .where(col(Consultation.municipality_code).in_(sorted(principal.municipalities)), or_(*news))
    )
    return int(uow.session.scalar(query) or 0)


def list_consultations(
    uow: UnitOfWork, *, principal: Principal, unanswered_only: bool = False, limit: int = 50
) -> list[ConsultationView]:
    """Health staff see the consultations they asked; social care (instructors)
    sees the municipality's, so a new question is found before anyone writes
    in its thread. Unanswered first, newest first. Named ones show only their
    client id, not the client's data."""
    sealer = uow.sealer
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    if not 1 <= limit <= 200:
        raise InputInvalid("limit must be 1-200", field="limit")
    query = select(Consultation).where(col(Consultation.municipality_code).in_(principal.municipalities))
    if not principal.has_any_role(Role.INSTRUCTOR):
        query = query.where(col(Consultation.asked_by) == principal.user_id)
    if unanswered_only:
        query = query.where(col(Consultation.answered_at).is_(None))
    query = query.order_by(
        col(Consultation.answered_at).is_not(None),
        col(Consultation.created_at).desc(),
        col(Consultation.id).desc(),
    ).limit(limit)
    return [
        _view(
            c, sealer.open(c.question, context="consultation.question") if c.client_id is None else "", (), 0
        )
        for c in uow.session.scalars(query)
    ]
