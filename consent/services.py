"""Use cases of consent records and the client's access-log report."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.consent import audit
from sotesilta.consent.tables import AccessLogEntry, AccessLogPending, Consent
from sotesilta.core.plugin_api import (
    AccessAction,
    AccessBasis,
    AccessReason,
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
    ClientAccess,
    ClientAlias,
    UnitOfWork,
    UserAccount,
    access_event,
    client_access,
    stated_reasons,
)

#: a report reaching further back than this needs a recorded reason
REPORT_FREE_REACH = timedelta(days=730)
_STAFF = (Role.HEALTH_STAFF, Role.INSTRUCTOR)


class ConsentView(msgspec.Struct, frozen=True, kw_only=True):
    """A client's consent, as the use cases return it and the API sends it."""

    id: int
    client_id: int
    scope: Annotated[
        str, msgspec.Meta(description="named_consultation, information_exchange or contact_social_care")
    ]
    recipient: Annotated[
        str, msgspec.Meta(description="the county's social care by its code (e.g. 03), or a named unit")
    ]
    given_how: Annotated[str, msgspec.Meta(description="oral, written or electronic")]
    valid_from: datetime
    valid_until: datetime | None
    recorded_by: int
    recorded_at: datetime
    withdrawn_at: datetime | None


def _view(c: Consent) -> ConsentView:
    return msgspec.convert(c, ConsentView, from_attributes=True)


def _client(
    uow: UnitOfWork, principal: Principal, client_id: int, reason: AccessReason | None
) -> ClientAccess:
    """The client opened for this user: a relationship, or a stated reason (core decides)."""
    if not principal.has_any_role(*_STAFF):
        raise RecordNotFound(f"no client {client_id}")
    return client_access(uow, principal, client_id, reason=reason)


def _log(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    subject: str,
    subject_id: int,
    opened: ClientAccess,
    reason: str | None = None,
) -> None:
    """One access-log entry under the basis the client was opened on (and its stated reason)."""
    now = uow.now
    why = "; ".join(text for text in (opened.reason, reason) if text) or None
    event = access_event(
        principal,
        action,
        subject,
        subject_id,
        client_id=opened.client.id,
        now=now,
        basis=opened.basis,
        reason=why,
    )
    audit.append(uow.connection, event)


def _recipient(value: str) -> str:
    """The county's social care by the county's code, or a named organisation or unit.

    A bare municipality code no longer names anyone: since 2023 the county is the
    controller and its social care the recipient (migration 0012 moved old consents).
    """
    recipient = value.strip()
    if not recipient or len(recipient) > 200:
        raise InputInvalid("recipient (organisation or unit) must be 1-200 characters", field="recipient")
    if recipient.isdigit() and len(recipient) != 2:
        raise InputInvalid(
            "name the county's social care by the county's code (e.g. 03), or name the organisation",
            field="recipient",
        )
    return recipient


E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: str, field: str) -> E:
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
    reason: AccessReason | None = None,
) -> ConsentView:
    now = uow.now
    scope_ = _enum(ConsentScope, scope, "scope")
    given = _enum(ConsentGiven, given_how, "given_how")
    recipient = _recipient(recipient)
    start = valid_from or now
    if valid_until is not None and valid_until <= start:
        raise InputInvalid("a consent must end after it begins", field="valid_until")
    opened = _client(uow, principal, client_id, reason)
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
    _log(uow, principal, AccessAction.CREATE, "consent", consent.id or 0, opened)
    uow.commit()
    return _view(consent)


def withdraw_consent(
    uow: UnitOfWork, *, principal: Principal, consent_id: int, reason: AccessReason | None = None
) -> ConsentView:
    """What was done under the consent stays logged; nothing new may use it."""
    now = uow.now
    consent = uow.session.get(Consent, consent_id)
    if consent is None:
        raise RecordNotFound(f"no consent {consent_id}")
    opened = _client(uow, principal, consent.client_id, reason)
    if consent.withdrawn_at is not None:
        raise StateConflict(f"consent {consent_id} was already withdrawn")
    consent.withdrawn_at, consent.withdrawn_by = now, principal.user_id
    _log(uow, principal, AccessAction.UPDATE, "consent", consent_id, opened)
    uow.commit()
    return _view(consent)


def list_consents(
    uow: UnitOfWork, *, principal: Principal, client_id: int, reason: AccessReason | None = None
) -> list[ConsentView]:
    opened = _client(uow, principal, client_id, reason)
    rows = uow.session.scalars(
        select(Consent).where(col(Consent.client_id) == client_id).order_by(col(Consent.id))
    ).all()
    _log(uow, principal, AccessAction.READ, "consent", 0, opened)
    uow.commit()
    return [_view(c) for c in rows]


def staff_names(uow: UnitOfWork, user_ids: set[int]) -> dict[int, str]:
    """Display names of the staff who recorded consents (staff names are not client data)."""
    if not user_ids:
        return {}
    rows = uow.session.execute(
        select(col(UserAccount.id), col(UserAccount.display_name)).where(
            col(UserAccount.id).in_(sorted(user_ids))
        )
    ).all()
    return {user_id: name for user_id, name in rows if user_id is not None}  # stored rows have ids


class AccessReportRow(msgspec.Struct, frozen=True, kw_only=True):
    """One logged use of a client's data, as the report shows it."""

    at: datetime
    who: str
    role: str
    action: str
    what: str
    basis: str
    consent_id: int | None
    flagged: Annotated[
        bool, msgspec.Meta(description="opened without a client relationship, on a stated reason")
    ]
    reason: Annotated[
        str | None,
        msgspec.Meta(description="the stated reason, or the ground logged (e.g. an SHL §35 notification's)"),
    ]


def _numbers(uow: UnitOfWork, client_id: int) -> list[int]:
    """The client's number and every number merged into it: the log is never rewritten."""
    merged = uow.session.scalars(
        select(col(ClientAlias.old_id)).where(col(ClientAlias.client_id) == client_id)
    )
    return [client_id, *merged]


def _logged(
    uow: UnitOfWork,
    entries: type[AccessLogEntry] | type[AccessLogPending],
    client_ids: list[int],
    start: datetime,
    end: datetime,
    order: Any,
) -> list[Any]:
    """A client's entries of the period in one of the log's tables, with who made them."""
    return list(
        uow.session.execute(
            select(entries, col(UserAccount.display_name))
            .join(UserAccount, col(UserAccount.id) == col(entries.user_id), isouter=True)
            .where(col(entries.client_id).in_(client_ids), col(entries.at) >= start, col(entries.at) < end)
            .order_by(order)
        ).all()
    )


def access_report(
    uow: UnitOfWork,
    *,
    principal: Principal,
    client_id: int,
    start: datetime,
    end: datetime,
    reason: str | None = None,
    access_reason: AccessReason | None = None,
) -> list[AccessReportRow]:
    """ "Who has seen my data": every logged use of the client's data in the period.

    ``reason`` says why a report reaches back further than two years;
    ``access_reason`` why a user without a client relationship opens the client.
    """
    now = uow.now
    if end <= start:
        raise InputInvalid("the period must end after it starts", field="until")
    if start < now - REPORT_FREE_REACH and not (reason and reason.strip()):
        raise InputInvalid(
            "a report reaching back more than 24 months needs a recorded reason", field="reason"
        )
    opened = _client(uow, principal, client_id, access_reason)
    numbers = _numbers(uow, client_id)
    # the chained entries in chain order, then those not chained yet (PostgreSQL's
    # chainer takes them within a second of their commit) in the order it will chain them
    rows = [
        *_logged(uow, AccessLogEntry, numbers, start, end, col(AccessLogEntry.seq)),
        *_logged(uow, AccessLogPending, numbers, start, end, col(AccessLogPending.id)),
    ]
    # a stated reason is logged by reference: its words stay sealed in the grant
    stated = AccessBasis.STATED_REASON.value
    opened_reasons = stated_reasons(uow, (e.reason for e, _ in rows))
    report = [
        AccessReportRow(
            at=e.at,
            who=name or f"user {e.user_id}",
            role=e.role,
            action=e.action,
            what=f"{e.subject_type} {e.subject_id}",
            basis=e.basis,
            consent_id=e.consent_id,
            flagged=e.basis == AccessBasis.STATED_REASON.value,
            # a stated reason opened from its grant; otherwise what the entry says of its ground
            # (an SHL §35 notification's ground, why an old report was read), codes and no names
            reason=opened_reasons.get(e.reason or "", e.reason) if e.basis == stated else e.reason,
        )
        for e, name in rows
    ]
    _log(
        uow,
        principal,
        AccessAction.READ,
        "access_log",
        0,
        opened,
        reason=(reason.strip() if reason else None),
    )
    uow.commit()
    return report
