"""Use cases of consent records and the client's access-log report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from sotesilta.consent import audit
from sotesilta.consent.tables import AccessLogEntry, Consent
from sotesilta.core.plugin_api import (
    AccessAction,
    ConsentGiven,
    ConsentScope,
    InputInvalid,
    Principal,
    RecordConflict,
    RecordNotFound,
    Role,
    StateConflict,
)
from sotesilta.core.plugin_api.data import (
    ClientRecord,
    UnitOfWork,
    UserAccount,
    access_event,
    client_in_scope,
)

#: a report reaching further back than this needs a recorded reason
REPORT_FREE_REACH = timedelta(days=730)
_STAFF = (Role.HEALTH_STAFF, Role.INSTRUCTOR)


@dataclass(frozen=True)
class ConsentView:
    id: int
    client_id: int
    scope: str
    recipient: str
    given_how: str
    valid_from: datetime
    valid_until: datetime | None
    recorded_by: int
    recorded_at: datetime
    withdrawn_at: datetime | None


def _view(c: Consent) -> ConsentView:
    return ConsentView(
        c.id or 0,
        c.client_id,
        c.scope,
        c.recipient,
        c.given_how,
        c.valid_from,
        c.valid_until,
        c.recorded_by,
        c.recorded_at,
        c.withdrawn_at,
    )


def _client(uow: UnitOfWork, principal: Principal, client_id: int) -> ClientRecord:
    if not principal.has_any_role(*_STAFF):
        raise RecordNotFound(f"no client {client_id}")
    return client_in_scope(uow, principal, client_id)


def _log(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    subject: str,
    subject_id: int,
    client_id: int,
    reason: str | None = None,
) -> None:
    now = uow.now
    audit.append(
        uow.connection,
        access_event(principal, action, subject, subject_id, client_id=client_id, now=now, reason=reason),
    )


def _enum(kind: type, value: str, field: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InputInvalid(f"unknown {field} {value!r}; use one of: {allowed}", field=field) from None


def create_consent(
    uow: UnitOfWork,
    *,
    principal: Principal,
    client_id: int,
    scope: str,
    recipient: str,
    given_how: str,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> ConsentView:
    now = uow.now
    scope_ = _enum(ConsentScope, scope, "scope")
    given = _enum(ConsentGiven, given_how, "given_how")
    recipient = recipient.strip()
    if not recipient or len(recipient) > 200:
        raise InputInvalid("recipient (organisation or unit) must be 1-200 characters", field="recipient")
    start = valid_from or now
    if valid_until is not None and valid_until <= start:
        raise InputInvalid("a consent must end after it begins", field="valid_until")
    _client(uow, principal, client_id)
    consent = Consent(
        client_id=client_id,
        scope=scope_.value,
        recipient=recipient,
        given_how=given.value,
        valid_from=start,
        valid_until=valid_until,
        recorded_by=principal.user_id,
        recorded_at=now,
    )
    uow.add_unique(
        consent,
        RecordConflict(
            f"client {client_id} already has a live consent of scope {scope_.value} to {recipient}; "
            "withdraw it first",
            field="scope",
        ),
    )
    _log(uow, principal, AccessAction.CREATE, "consent", consent.id or 0, client_id)
    uow.commit()
    return _view(consent)


def withdraw_consent(uow: UnitOfWork, *, principal: Principal, consent_id: int) -> ConsentView:
    """What was done under the consent stays logged; nothing new may use it."""
    now = uow.now
    consent = uow.session.get(Consent, consent_id)
    if consent is None:
        raise RecordNotFound(f"no consent {consent_id}")
    _client(uow, principal, consent.client_id)
    if consent.withdrawn_at is not None:
        raise StateConflict(f"consent {consent_id} was already withdrawn")
    consent.withdrawn_at, consent.withdrawn_by = now, principal.user_id
    _log(uow, principal, AccessAction.UPDATE, "consent", consent_id, consent.client_id)
    uow.commit()
    return _view(consent)


def list_consents(uow: UnitOfWork, *, principal: Principal, client_id: int) -> list[ConsentView]:
    _client(uow, principal, client_id)
    rows = uow.session.scalars(
        select(Consent).where(Consent.client_id == client_id).order_by(Consent.id)
    ).all()
    _log(uow, principal, AccessAction.READ, "consent", 0, client_id)
    uow.commit()
    return [_view(c) for c in rows]


def staff_names(uow: UnitOfWork, user_ids: set[int]) -> dict[int, str]:
    """Display names of the staff who recorded consents (staff names are not client data)."""
    if not user_ids:
        return {}
    rows = uow.session.execute(
        select(UserAccount.id, UserAccount.display_name).where(UserAccount.id.in_(sorted(user_ids)))
    ).all()
    return {int(user_id): name for user_id, name in rows}


@dataclass(frozen=True)
class AccessReportRow:
    at: datetime
    who: str
    role: str
    action: str
    what: str
    basis: str
    consent_id: int | None


def access_report(
    uow: UnitOfWork,
    *,
    principal: Principal,
    client_id: int,
    start: datetime,
    end: datetime,
    reason: str | None = None,
) -> list[AccessReportRow]:
    """ "Who has seen my data": every logged use of the client's data in the period."""
    now = uow.now
    if end <= start:
        raise InputInvalid("the period must end after it starts", field="until")
    if start < now - REPORT_FREE_REACH and not (reason and reason.strip()):
        raise InputInvalid(
            "a report reaching back more than 24 months needs a recorded reason", field="reason"
        )
    _client(uow, principal, client_id)
    rows = uow.session.execute(
        select(AccessLogEntry, UserAccount.display_name)
        .join(UserAccount, UserAccount.id == AccessLogEntry.user_id, isouter=True)
        .where(AccessLogEntry.client_id == client_id, AccessLogEntry.at >= start, AccessLogEntry.at < end)
        .order_by(AccessLogEntry.seq)
    ).all()
    report = [
        AccessReportRow(
            e.at,
            name or f"user {e.user_id}",
            e.role,
            e.action,
            f"{e.subject_type} {e.subject_id}",
            e.basis,
            e.consent_id,
        )
        for e, name in rows
    ]
    _log(
        uow,
        principal,
        AccessAction.READ,
        "access_log",
        0,
        client_id,
        reason=(reason.strip() if reason else None),
    )
    uow.commit()
    return report
