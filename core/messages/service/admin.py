"""The county admins' view of the outbox: what was sent, what waits, what is dead, and a
retry. Never a recipient, a subject or a body: channel, kind, status, attempts and times."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from sqlalchemy import select, update

from sotesilta.core.kernel.access import require_role
from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound, StateConflict
from sotesilta.core.kernel.outbox import MessageKind
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.messages.domain import MessageStatus
from sotesilta.core.messages.service.outbox import TABLE

#: the most a list answers with
LIST_LIMIT = 500


class OutboxMessageView(msgspec.Struct, frozen=True, kw_only=True):
    """One message as admins see it: no recipient, subject or body."""

    id: int
    county: str
    channel: Annotated[str, msgspec.Meta(examples=["email"])]
    kind: MessageKind
    language: str
    status: MessageStatus
    attempts: int
    created_at: datetime
    #: when it is (or was last) due to be tried
    due_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    #: a worker holds it right now
    in_delivery: bool
    #: the channel's words for the last failure (never the recipient or the message)
    last_error: str | None


_COLUMNS = (
    TABLE.c.id,
    TABLE.c.county_code,
    TABLE.c.channel,
    TABLE.c.kind,
    TABLE.c.language,
    TABLE.c.status,
    TABLE.c.attempts,
    TABLE.c.created_at,
    TABLE.c.due_at,
    TABLE.c.last_attempt_at,
    TABLE.c.delivered_at,
    TABLE.c.lease_until,
    TABLE.c.last_error,
)


def _view(row: object, now: datetime) -> OutboxMessageView:
    r = row._mapping  # type: ignore[attr-defined]  # a Row
    return OutboxMessageView(
        id=r["id"],
        county=r["county_code"],
        channel=r["channel"],
        kind=MessageKind(r["kind"]),
        language=r["language"],
        status=MessageStatus(r["status"]),
        attempts=r["attempts"],
        created_at=r["created_at"],
        due_at=r["due_at"],
        last_attempt_at=r["last_attempt_at"],
        delivered_at=r["delivered_at"],
        in_delivery=r["status"] == MessageStatus.PENDING
        and r["lease_until"] is not None
        and r["lease_until"] > now,
        last_error=r["last_error"],
    )


def _county(principal: Principal, county: str | None) -> str:
    require_role(principal, Role.ADMIN)
    if county is None:
        if len(principal.counties) != 1:
            raise InputInvalid("name the county", field="county")
        return next(iter(principal.counties))
    if county not in principal.counties:
        raise RecordNotFound(f"no county {county} for you", field="county")
    return county


def list_messages(
    uow: UnitOfWork,
    *,
    principal: Principal,
    county: str | None = None,
    status: MessageStatus | None = None,
    limit: int = 100,
) -> list[OutboxMessageView]:
    """The county's messages, newest first (listMessages)."""
    code = _county(principal, county)
    if not 1 <= limit <= LIST_LIMIT:
        raise InputInvalid(f"limit is 1-{LIST_LIMIT}", field="limit")
    query = select(*_COLUMNS).where(TABLE.c.county_code == code)
    if status is not None:
        query = query.where(TABLE.c.status == status.value)
    rows = uow.connection.execute(query.order_by(TABLE.c.created_at.desc(), TABLE.c.id.desc()).limit(limit))
    return [_view(row, uow.now) for row in rows]


def retry_message(uow: UnitOfWork, *, principal: Principal, message_id: int) -> OutboxMessageView:
    """Give a dead message a fresh round of attempts, due now (retryMessage)."""
    require_role(principal, Role.ADMIN)
    row = uow.connection.execute(select(*_COLUMNS).where(TABLE.c.id == message_id)).first()
    if row is None or row.county_code not in principal.counties:
        raise RecordNotFound(f"no message {message_id}")
    if row.status != MessageStatus.DEAD:
        raise StateConflict(f"message {message_id} is {row.status}: only a dead message is retried")
    uow.connection.execute(
        update(TABLE)
        .where(TABLE.c.id == message_id, TABLE.c.status == MessageStatus.DEAD.value)
        .values(
            status=MessageStatus.PENDING.value, attempts=0, due_at=uow.now, lease_until=None, leased_by=None
        )
    )
    found = uow.connection.execute(select(*_COLUMNS).where(TABLE.c.id == message_id)).one()
    uow.commit()
    return _view(found, uow.now)
