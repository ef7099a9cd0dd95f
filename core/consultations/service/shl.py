"""SHL §35 notifications that arrive: sent to the county's receiving unit, followed up there.

Each county names its receiving unit (``ShlReceiver``: an intake unit of social care, and
optionally the unit's secure e-mail address, which the message outbox will deliver to). A
health professional notifies about an identified person, with the person's consent or on one
of §35's grounds without it; the ground is stored as a code and written into the access log.

Who sees what:

- the **receiving unit's members** (instructors whose worker record belongs to the unit) see
  the unit's inbox, open a notification — the person's name and identity code, the summary —
  and move it on; each opening and each move is logged with the basis ``unit_worklist``
  and the ground;
- the **sender** sees her own notifications' status and history, not the person's data
  again (she wrote it; the receiver acts on it), and may not move them;
- nobody else learns that a notification exists ("not found").
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy import case, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from sotesilta.core.clients import public as clients
from sotesilta.core.consultations.domain import (
    WITHOUT_CONSENT,
    ShlGround,
    ShlReceiverMissing,
    ShlStatus,
    advance,
    ground_logged,
)
from sotesilta.core.consultations.service.consultations import TEXT_MAX, _text
from sotesilta.core.consultations.tables import ShlNotification, ShlReceiver, ShlStatusChange
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import (
    AccessDenied,
    ConsentMissing,
    InputInvalid,
    RecordNotFound,
    StateConflict,
)
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, ConsentQuery, ConsentScope
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Municipality, ServiceUnit, Worker

log = logging.getLogger("sotesilta.consultations.shl")
#: a documented ground without consent says what was seen, not only which ground
GROUND_DETAIL_MIN = 20
#: a plausible address, not a full RFC 5322 parser: the outbox's SMTP server has the last word
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}$")
SUMMARY = "shl_notification.summary"
GROUND_TEXT = "shl_notification.ground_without_consent"
TO_ORGANISATION = "shl_notification.to_organisation"
Box = Literal["inbox", "sent"]


class ShlReceiverView(msgspec.Struct, frozen=True, kw_only=True):
    """Where a county's SHL notifications go."""

    county_code: str
    unit_id: int
    unit_name_fi: str
    unit_name_sv: str
    secure_email: str | None
    updated_at: datetime


class ShlStep(msgspec.Struct, frozen=True, kw_only=True):
    """One move of a notification: by whom (a staff member's id) and when."""

    from_status: ShlStatus
    to_status: ShlStatus
    by_user: int
    at: datetime


class ShlPerson(msgspec.Struct, frozen=True, kw_only=True):
    """The person a notification concerns, opened for the receiving unit."""

    client_id: int
    name: str
    identity_code: str | None


class ShlView(msgspec.Struct, frozen=True, kw_only=True):
    """An SHL §35 notification. ``summary``, ``ground_without_consent`` and ``person`` are
    given to the receiving unit when it opens one (and the summary to the sender as she
    sends it); lists carry the facts only."""

    id: int
    municipality_code: str
    from_user: int
    to_unit_id: int | None
    to_organisation: str
    client_id: int | None
    consent_id: int | None
    ground: ShlGround | None
    status: ShlStatus
    created_at: datetime
    summary: str | None = None
    ground_without_consent: str | None = None
    person: ShlPerson | None = None
    history: tuple[ShlStep, ...] = ()


# --- where notifications go ------------------------------------------------------------


def _receiver_view(uow: UnitOfWork, receiver: ShlReceiver) -> ShlReceiverView:
    unit = uow.session.get(ServiceUnit, receiver.unit_id)
    assert unit is not None  # the foreign key keeps it
    return ShlReceiverView(
        county_code=receiver.county_code,
        unit_id=receiver.unit_id,
        unit_name_fi=unit.name_fi,
        unit_name_sv=unit.name_sv,
        secure_email=receiver.secure_email,
        updated_at=receiver.updated_at,
    )


def _admin_of(principal: Principal, county: str) -> None:
    access.require_role(principal, Role.ADMIN)
    if county not in principal.counties:
        raise RecordNotFound(f"no county {county} for you", field="county")


def get_receiver(uow: UnitOfWork, *, principal: Principal, county: str) -> ShlReceiverView | None:
    """The county's receiving unit, for its admins; ``None`` while none is configured."""
    _admin_of(principal, county)
    found = uow.session.get(ShlReceiver, county)
    return _receiver_view(uow, found) if found is not None else None


def set_receiver(
    uow: UnitOfWork, *, principal: Principal, county: str, unit_id: int, secure_email: str | None
) -> ShlReceiverView:
    """An admin of the county names the unit that receives its notifications (an active unit of
    the county) and, optionally, the unit's secure e-mail address."""
    _admin_of(principal, county)
    unit = uow.session.get(ServiceUnit, unit_id)
    if unit is None or unit.county_code != county or not unit.active:
        raise RecordNotFound(f"no active unit {unit_id} in county {county}", field="unit_id")
    email = (secure_email or "").strip() or None
    if email is not None and not _EMAIL.match(email):
        raise InputInvalid("secure_email is not an e-mail address", field="secure_email")
    receiver = uow.session.get(ShlReceiver, county)
    if receiver is None:
        receiver = ShlReceiver(county_code=county, unit_id=unit_id, updated_at=uow.now)
    receiver.unit_id, receiver.secure_email = unit_id, email
    receiver.updated_at, receiver.updated_by = uow.now, principal.user_id
    uow.session.add(receiver)
    uow.session.flush()
    view = _receiver_view(uow, receiver)
    uow.commit()
    log.info("SHL receiver set", extra={"county": county, "unit_id": unit_id, "email": email is not None})
    return view


class UnitChoice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    county_code: str
    name_fi: str
    name_sv: str


def unit_choices(uow: UnitOfWork, *, principal: Principal) -> list[UnitChoice]:
    """The active units of the admin's counties: where notifications may be sent."""
    access.require_role(principal, Role.ADMIN)
    rows = uow.session.scalars(
        select(ServiceUnit)
        .where(col(ServiceUnit.county_code).in_(sorted(principal.counties)), col(ServiceUnit.active))
        .order_by(col(ServiceUnit.name_fi))
    )
    return msgspec.convert(list(rows), list[UnitChoice], from_attributes=True)


def name_receiver_unless_named(uow: UnitOfWork, *, county: str, unit_key: str) -> bool:
    """The demo's (and a fresh deployment's) default: the county's notifications go to the unit
    ``unit_key`` unless its admin has named one. Whether it named it now."""
    if uow.session.get(ShlReceiver, county) is not None:
        return False
    unit = uow.session.scalar(select(ServiceUnit).where(col(ServiceUnit.key) == unit_key))
    if unit is None or unit.id is None or unit.county_code != county:
        return False
    uow.session.add(ShlReceiver(county_code=county, unit_id=unit.id, updated_at=uow.now))
    uow.commit()
    return True


def receiving_unit_name(uow: UnitOfWork, municipality: str) -> str | None:
    """The name of the unit a notification about someone in ``municipality`` would go to (the
    sender's form says it); ``None`` while the county has configured none."""
    found = uow.session.get(Municipality, municipality)
    receiver = uow.session.get(ShlReceiver, found.county_code) if found is not None else None
    if receiver is None:
        return None
    unit = uow.session.get(ServiceUnit, receiver.unit_id)
    return unit.name_fi if unit is not None else None


# --- sending ---------------------------------------------------------------------------


def _consent_to(uow: UnitOfWork, client_id: int, unit: ServiceUnit) -> int:
    """The person's consent to contact social care, given to the receiving unit (by its key)
    or to the county's social care as a whole (by the county's code)."""
    refusals = []
    for recipient in (unit.key, unit.county_code):
        query = ConsentQuery(client_id, ConsentScope.CONTACT_SOCIAL_CARE, recipient, uow.now)
        decision = uow.plugins.consent_decision(uow.session, query)
        if decision.allowed and decision.consent_id is not None:
            return decision.consent_id
        refusals.append(decision.reason)
    raise ConsentMissing(
        "; ".join(refusals),
        scope=ConsentScope.CONTACT_SOCIAL_CARE.value,
        recipient=unit.county_code,
        client_id=client_id,
    )


def _receiver_unit(uow: UnitOfWork, municipality: str) -> ServiceUnit:
    found = uow.session.get(Municipality, municipality)
    receiver = uow.session.get(ShlReceiver, found.county_code) if found is not None else None
    unit = uow.session.get(ServiceUnit, receiver.unit_id) if receiver is not None else None
    if unit is None or not unit.active:
        county = found.county_code if found is not None else "?"
        raise ShlReceiverMissing(
            f"county {county} has not named the unit that receives SHL notifications: "
            "ask the county's administrator to set it (setShlReceiver)",
            field="municipality",
        )
    return unit


def create_shl_notification(
    uow: UnitOfWork,
    *,
    principal: Principal,
    municipality: str,
    client_id: int,
    ground: ShlGround,
    summary: str,
    ground_without_consent: str | None = None,
) -> ShlView:
    """Notify the county's receiving unit of a person's need for social care: with the person's
    consent, or on one of §35's grounds without it (then documented in 20+ characters)."""
    sealer, now = uow.sealer, uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    if municipality not in principal.municipalities:
        raise RecordNotFound(f"no municipality {municipality} for you", field="municipality")
    summary = _text(summary, "summary")
    detail = (ground_without_consent or "").strip() or None
    if ground in WITHOUT_CONSENT:
        if detail is None or not GROUND_DETAIL_MIN <= len(detail) <= TEXT_MAX:
            raise InputInvalid(
                f"document what shows the ground without consent ({GROUND_DETAIL_MIN}+ characters)",
                field="ground_without_consent",
            )
    elif detail is not None:
        raise InputInvalid(
            "a notification made with consent documents no ground without it", field="ground_without_consent"
        )
    clients.client_access(uow, principal, client_id)  # a relationship or a stated reason
    unit = _receiver_unit(uow, municipality)
    consent_id = _consent_to(uow, client_id, unit) if ground is ShlGround.CONSENT else None
    notification = ShlNotification(
        municipality_code=municipality,
        from_user=principal.user_id,
        to_organisation=sealer.seal(unit.name_fi, context=TO_ORGANISATION),
        to_unit_id=unit.id,
        client_id=client_id,
        consent_id=consent_id,
        ground=ground.value,
        ground_without_consent=sealer.seal_optional(detail, context=GROUND_TEXT),
        summary=sealer.seal(summary, context=SUMMARY),
        status=ShlStatus.SENT.value,
        created_at=now,
    )
    uow.session.add(notification)
    uow.session.flush()
    assert notification.id is not None
    event = access.access_event(
        principal,
        AccessAction.CREATE,
        "shl_notification",
        notification.id,
        client_id=client_id,
        now=now,
        basis=AccessBasis.CONSENT if consent_id else AccessBasis.TASK,
        consent_id=consent_id,
        reason=ground_logged(ground),
    )
    uow.plugins.record_access(uow.connection, event)
    uow.commit()
    log.info("SHL notification sent", extra={"shl_notification_id": notification.id, "unit_id": unit.id})
    _notify(uow, EventKind.SHL_NOTIFICATION_SENT, notification)
    return _view(notification, unit.name_fi, summary=summary, ground_text=detail)


def _notify(uow: UnitOfWork, kind: EventKind, notification: ShlNotification) -> None:
    # facts only: the unit, the status and the ground's code, never the person or the text
    facts: dict[str, str | int | bool | None] = {
        "unit_id": notification.to_unit_id,
        "status": notification.status,
        "ground": notification.ground,
    }
    uow.plugins.notify(
        DomainEvent(kind, notification.municipality_code, notification.id or 0, uow.now, facts)
    )


def _view(
    n: ShlNotification,
    to_organisation: str,
    *,
    summary: str | None = None,
    ground_text: str | None = None,
    person: ShlPerson | None = None,
    history: tuple[ShlStep, ...] = (),
) -> ShlView:
    return ShlView(
        id=n.id or 0,
        municipality_code=n.municipality_code,
        from_user=n.from_user,
        to_unit_id=n.to_unit_id,
        to_organisation=to_organisation,
        client_id=n.client_id,
        consent_id=n.consent_id,
        ground=ShlGround(n.ground) if n.ground else None,
        status=ShlStatus(n.status),
        created_at=n.created_at,
        summary=summary,
        ground_without_consent=ground_text,
        person=person,
        history=history,
    )


# --- the inbox and the sender's list ---------------------------------------------------


def own_unit(uow: UnitOfWork, principal: Principal) -> int | None:
    """The unit whose inbox this person works from: an instructor's active worker record's."""
    if not principal.has_any_role(Role.INSTRUCTOR):
        return None
    return uow.session.scalar(
        select(col(Worker.unit_id)).where(col(Worker.user_id) == principal.user_id, col(Worker.active))
    )


def list_shl_notifications(
    uow: UnitOfWork, *, principal: Principal, box: Box = "inbox", open_only: bool = False, limit: int = 100
) -> list[ShlView]:
    """The receiving unit's inbox (open ones first, newest first), or the notifications this
    person sent. Facts only: who they concern is seen by opening one (and logged there)."""
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    if not 1 <= limit <= 200:
        raise InputInvalid("limit must be 1-200", field="limit")
    query = select(ShlNotification)
    if box == "inbox":
        unit = own_unit(uow, principal)
        if unit is None:
            return []  # not a member of any unit: no inbox of her own
        query = query.where(col(ShlNotification.to_unit_id) == unit)
    else:
        query = query.where(col(ShlNotification.from_user) == principal.user_id)
    if open_only:
        query = query.where(col(ShlNotification.status) != ShlStatus.CLOSED.value)
    closed_last = case((col(ShlNotification.status) == ShlStatus.CLOSED.value, 1), else_=0)
    query = query.order_by(
        closed_last, col(ShlNotification.created_at).desc(), col(ShlNotification.id).desc()
    ).limit(limit)
    rows = list(uow.session.scalars(query))
    return [_view(n, _organisation(uow, n)) for n in rows]


def _organisation(uow: UnitOfWork, n: ShlNotification) -> str:
    return uow.sealer.open(n.to_organisation, context=TO_ORGANISATION)


def _history(uow: UnitOfWork, notification_id: int) -> tuple[ShlStep, ...]:
    rows = uow.session.scalars(
        select(ShlStatusChange)
        .where(col(ShlStatusChange.notification_id) == notification_id)
        .order_by(col(ShlStatusChange.id))
    )
    return tuple(
        ShlStep(
            from_status=ShlStatus(r.from_status), to_status=ShlStatus(r.to_status), by_user=r.by_user, at=r.at
        )
        for r in rows
    )


def _found(uow: UnitOfWork, principal: Principal, notification_id: int) -> tuple[ShlNotification, bool]:
    """The notification and whether this person receives it (else she sent it); anyone
    else: not found."""
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    notification = uow.session.get(ShlNotification, notification_id)
    if notification is not None:
        unit = own_unit(uow, principal)
        if notification.to_unit_id is not None and notification.to_unit_id == unit:
            return notification, True
        if notification.from_user == principal.user_id:
            return notification, False
    raise RecordNotFound(f"no SHL notification {notification_id}")


def _log_receiver(
    uow: UnitOfWork, principal: Principal, action: AccessAction, notification: ShlNotification
) -> None:
    """The receiving unit's use of the notification, on the basis of the unit's worklist."""
    if notification.client_id is None:
        return
    ground = ShlGround(notification.ground) if notification.ground else None
    event = access.access_event(
        principal,
        action,
        "shl_notification",
        notification.id or 0,
        client_id=notification.client_id,
        now=uow.now,
        basis=AccessBasis.UNIT_WORKLIST,
        consent_id=notification.consent_id,
        reason=ground_logged(ground) if ground else None,
    )
    uow.plugins.record_access(uow.connection, event)


def read_shl_notification(uow: UnitOfWork, *, principal: Principal, notification_id: int) -> ShlView:
    """One notification. Its receiving unit's members see the person and the text (logged);
    its sender sees where it went, its status and who moved it when."""
    notification, receives = _found(uow, principal, notification_id)
    history = _history(uow, notification_id)
    organisation = _organisation(uow, notification)
    if not receives:
        return _view(notification, organisation, history=history)
    person = None
    if notification.client_id is not None:
        client = clients.opened_client(uow, notification.client_id)
        person = ShlPerson(client_id=client.id, name=client.name, identity_code=client.identity_code)
    _log_receiver(uow, principal, AccessAction.READ, notification)
    view = _view(
        notification,
        organisation,
        summary=uow.sealer.open(notification.summary, context=SUMMARY),
        ground_text=uow.sealer.open_optional(notification.ground_without_consent, context=GROUND_TEXT),
        person=person,
        history=history,
    )
    uow.commit()
    return view


def move_shl_notification(
    uow: UnitOfWork, *, principal: Principal, notification_id: int, status: ShlStatus
) -> ShlView:
    """The receiving unit moves a notification forward; who and when is recorded. Its sender
    may not (403); two members moving it at once: one wins, the other gets 409."""
    notification, receives = _found(uow, principal, notification_id)
    if not receives:
        raise AccessDenied("only the receiving unit moves an SHL notification on", field="status")
    current = ShlStatus(notification.status)
    advance(current, status)
    # conditional on the status read: a concurrent move by a colleague makes this one a conflict
    moved = uow.session.execute(
        update(ShlNotification)
        .where(col(ShlNotification.id) == notification_id, col(ShlNotification.status) == current.value)
        .values(status=status.value)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise StateConflict(f"SHL notification {notification_id} was moved meanwhile", field="status")
    uow.session.add(
        ShlStatusChange(
            notification_id=notification_id,
            from_status=current.value,
            to_status=status.value,
            by_user=principal.user_id,
            at=uow.now,
        )
    )
    uow.session.flush()
    set_committed_value(notification, "status", status.value)  # as the UPDATE above left it
    _log_receiver(uow, principal, AccessAction.UPDATE, notification)
    view = _view(notification, _organisation(uow, notification), history=_history(uow, notification_id))
    uow.commit()
    _notify(uow, EventKind.SHL_NOTIFICATION_MOVED, notification)
    return view


def acknowledge_shl_notification(uow: UnitOfWork, *, principal: Principal, notification_id: int) -> ShlView:
    """The receiving unit confirms it has the notification: sent → received."""
    return move_shl_notification(
        uow, principal=principal, notification_id=notification_id, status=ShlStatus.RECEIVED
    )
