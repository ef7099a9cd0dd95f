"""May this user open this client's data, and on what basis? One place decides.

A basis is a client relationship, or a reason the user states (Act 703/2023):

- a relationship: the user registered the client, booked them, consulted
  about them, decided their service or answered their SHL notification; or,
  for a worker of social care, the client is booked to the worker or to a
  worker of the same unit, sits in a period the worker (or the unit) runs, or
  in the unit's consultation worklist (addressed to the unit's workers, or to
  nobody in a municipality the worker serves);
- a stated reason: a code from ``AccessReasonCode`` that the user's role may
  state, with their own words. It holds for ``REASON_HOLDS`` (the pages after
  a search need not ask again) and every use under it is logged with the
  reason, so the client's access report flags it.

Without either, the answer is ``AccessReasonRequired`` whether the client
exists or not: the refusal tells nothing about the person. Managers and
admins never open a client.

The relationships live in features above this one (scheduling, consultations,
rehab import clients), so their tables are named here rather than imported,
as key rotation names sealed columns. Every check runs all the EXISTS clauses in
one statement, so a renamed table or column fails every test that opens a client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import msgspec
from sqlalchemy import ColumnElement, Exists, exists, or_, select
from sqlalchemy import column as c
from sqlalchemy import table as t
from sqlmodel import col

from sotesilta.core.clients.tables import ClientAccessGrant, ClientRecord
from sotesilta.core.kernel.errors import AccessDenied, AccessReasonRequired, InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import (
    REASON_DETAIL_MAX,
    REASONS_BY_ROLE,
    AccessBasis,
    AccessReason,
    AccessReasonCode,
)
from sotesilta.core.kernel.uow import UnitOfWork

#: how long a stated reason keeps a client open to its user: a working day
REASON_HOLDS = timedelta(hours=12)
_STAFF = (Role.HEALTH_STAFF, Role.INSTRUCTOR)

_booking = t("booking", c("client_id"), c("booked_by"), c("worker_id"))
_consultation = t(
    "consultation", c("client_id"), c("asked_by"), c("answered_by"), c("to_worker_id"), c("municipality_code")
)
_shl = t("shl_notification", c("client_id"), c("from_user"))
_decision = t("service_decision", c("client_id"), c("created_by"))
_period = t("intensive_period", c("id"), c("client_id"), c("responsible_worker_id"), c("co_worker_id"))
_contact = t("contact", c("id"), c("period_id"))
_contact_worker = t("contact_worker", c("contact_id"), c("worker_id"))
_worker = t("worker", c("id"), c("unit_id"))


class AccessReasonIn(msgspec.Struct, frozen=True, kw_only=True):
    """``access_reason`` in a request: why a user without a client relationship opens the data."""

    code: Annotated[
        AccessReasonCode,
        msgspec.Meta(description="urgent_care, client_present, care_handover or statutory_task"),
    ]
    detail: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=REASON_DETAIL_MAX, description="in the user's own words"),
    ]

    def reason(self) -> AccessReason:
        return parse_reason(self.code.value, self.detail) or AccessReason(self.code, self.detail)


@dataclass(frozen=True)
class ClientAccess:
    """The client opened, and the basis every access-log entry of this use names."""

    client: ClientRecord
    basis: AccessBasis
    reason: str | None  # the stated reason by reference ("code (grant N)"), for the log entry


def parse_reason(code: str | None, detail: str | None) -> AccessReason | None:
    """A reason from a form or request; none when neither part is given."""
    if not code and not (detail and detail.strip()):
        return None
    try:
        known = AccessReasonCode(code or "")
    except ValueError:
        allowed = ", ".join(r.value for r in AccessReasonCode)
        raise InputInvalid(f"an access reason is one of: {allowed}", field="access_reason.code") from None
    text = (detail or "").strip()
    if not text or len(text) > REASON_DETAIL_MAX:
        raise InputInvalid(
            f"say in 1-{REASON_DETAIL_MAX} characters why you open the client's data",
            field="access_reason.detail",
        )
    return AccessReason(known, text)


def _unit_workers(worker_id: int) -> ColumnElement[bool]:
    unit = select(_worker.c.unit_id).where(_worker.c.id == worker_id).scalar_subquery()
    return _worker.c.unit_id == unit


def _relationships(principal: Principal, client_id: int) -> list[Exists]:
    """Each way this user may be related to the client, as an EXISTS."""
    user = principal.user_id
    found = [
        exists().where(col(ClientRecord.id) == client_id, col(ClientRecord.created_by) == user),
        exists().where(_booking.c.client_id == client_id, _booking.c.booked_by == user),
        exists().where(
            _consultation.c.client_id == client_id,
            or_(_consultation.c.asked_by == user, _consultation.c.answered_by == user),
        ),
        exists().where(_shl.c.client_id == client_id, _shl.c.from_user == user),
        exists().where(_decision.c.client_id == client_id, _decision.c.created_by == user),
    ]
    worker = principal.worker_id
    if worker is None or Role.INSTRUCTOR not in principal.roles:
        return found
    unit = select(_worker.c.id).where(_unit_workers(worker))
    periods = select(_period.c.id).where(_period.c.client_id == client_id)
    found += [
        exists().where(_booking.c.client_id == client_id, _booking.c.worker_id.in_(unit)),
        exists().where(
            _period.c.client_id == client_id,
            or_(_period.c.responsible_worker_id.in_(unit), _period.c.co_worker_id.in_(unit)),
        ),
        exists().where(
            _contact.c.period_id.in_(periods),
            _contact_worker.c.contact_id == _contact.c.id,
            _contact_worker.c.worker_id == worker,
        ),
        exists().where(
            _consultation.c.client_id == client_id,
            or_(
                _consultation.c.to_worker_id.in_(unit),
                (_consultation.c.to_worker_id.is_(None))
                & _consultation.c.municipality_code.in_(sorted(principal.municipalities)),
            ),
        ),
    ]
    return found


def has_relationship(uow: UnitOfWork, principal: Principal, client_id: int) -> bool:
    return bool(uow.session.scalar(select(or_(*_relationships(principal, client_id)))))


def _live_grant(uow: UnitOfWork, principal: Principal, client_id: int) -> ClientAccessGrant | None:
    return uow.session.scalar(
        select(ClientAccessGrant)
        .where(
            col(ClientAccessGrant.user_id) == principal.user_id,
            col(ClientAccessGrant.client_id) == client_id,
            col(ClientAccessGrant.until) > uow.now,
        )
        .order_by(col(ClientAccessGrant.id).desc())
        .limit(1)
    )


def _grant_reference(grant: ClientAccessGrant) -> str:
    """What the access log keeps of a stated reason: its code and where the sealed text is.

    The log is hash-chained and never re-sealed, so the free text (which may say why the
    client needs care) stays sealed in the grant; the access report opens it there.
    """
    return f"{grant.code} (grant {grant.id})"


_REFERENCE = re.compile(r"^(?P<code>[a-z_]+) \(grant (?P<id>\d+)\)$")


def stated_reasons(uow: UnitOfWork, logged: Iterable[str | None]) -> dict[str, str]:
    """The stated reasons behind access-log entries, opened: ``{logged: "code: detail"}``.

    Entries written before reasons were kept by reference hold the text itself and are
    not in the answer (the caller shows them as they are).
    """
    wanted: dict[int, str] = {}
    for text in logged:
        found = _REFERENCE.match(text or "")
        if found:
            wanted[int(found["id"])] = found["code"]
    if not wanted:
        return {}
    grants = uow.session.scalars(
        select(ClientAccessGrant).where(col(ClientAccessGrant.id).in_(sorted(wanted)))
    )
    return {
        _grant_reference(g): f"{g.code}: {uow.sealer.open(g.detail, context='client_access_grant.detail')}"
        for g in grants
    }


def reason_required() -> AccessReasonRequired:
    codes = ", ".join(r.value for r in AccessReasonCode)
    return AccessReasonRequired(
        "you have no client relationship with this client: state an access_reason "
        f"(code: one of {codes}; detail: 1-{REASON_DETAIL_MAX} characters) to open the data",
        field="access_reason",
        reasons=[r.value for r in AccessReasonCode],
    )


def check_reason_allowed(principal: Principal, reason: AccessReason) -> None:
    """Only a role that may state this reason may open a client with it."""
    if not any(reason.code in REASONS_BY_ROLE.get(role.value, frozenset()) for role in principal.roles):
        raise AccessDenied(
            f"your role may not open a client's data for the reason {reason.code.value}",
            field="access_reason.code",
        )


def client_access(
    uow: UnitOfWork, principal: Principal, client_id: int, *, reason: AccessReason | None = None
) -> ClientAccess:
    """Open the client for this user: by relationship, a live stated reason, or the one given now.

    A reason given now (when no relationship holds) is recorded as a grant in the
    caller's transaction; the caller logs its use with the returned basis.
    """
    if not principal.has_any_role(*_STAFF):
        raise RecordNotFound(f"no client {client_id}", field="client_id")
    if reason is not None:
        check_reason_allowed(principal, reason)
    client = uow.session.get(ClientRecord, client_id)
    in_county = client is not None and client.county_code in principal.counties
    if client is not None and in_county and has_relationship(uow, principal, client_id):
        return ClientAccess(client, AccessBasis.CLIENT_RELATIONSHIP, None)
    if reason is None:
        grant = _live_grant(uow, principal, client_id) if in_county else None
        if client is None or grant is None:
            raise reason_required()
        return ClientAccess(client, AccessBasis.STATED_REASON, _grant_reference(grant))
    if client is None or not in_county:
        raise RecordNotFound(f"no client {client_id} in your county", field="client_id")
    grant = record_grant(uow, principal, client_id, reason)
    return ClientAccess(client, AccessBasis.STATED_REASON, _grant_reference(grant))


def record_grant(
    uow: UnitOfWork, principal: Principal, client_id: int, reason: AccessReason
) -> ClientAccessGrant:
    now = uow.now
    grant = ClientAccessGrant(
        client_id=client_id,
        user_id=principal.user_id,
        code=reason.code.value,
        detail=uow.sealer.seal(reason.detail, context="client_access_grant.detail"),
        stated_at=now,
        until=now + REASON_HOLDS,
    )
    uow.session.add(grant)
    uow.session.flush()
    return grant
