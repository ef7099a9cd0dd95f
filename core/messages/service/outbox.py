"""The outbox bound to every unit of work (``uow.outbox``): a message is one more row in the
transaction of the change that causes it, so it exists if and only if the change commits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.kernel.types import table_of
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.messages.domain import MessageStatus, first_try
from sotesilta.core.messages.tables import OutboxMessage

TABLE = table_of(OutboxMessage)
#: insert unless the idempotency key is there already; RETURNING says which it was
_ENQUEUE = {
    name: Prepared(
        make(TABLE).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(TABLE.c.id)
    )
    for name, make in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _check(message: OutgoingMessage) -> None:
    if not message.recipient.strip():
        raise InputInvalid("a message needs a recipient", field="recipient")
    if not message.idempotency_key or len(message.idempotency_key) > 200:
        raise InputInvalid("a message needs an idempotency key of 1-200 characters")
    if message.language not in ("fi", "sv", "en"):
        raise InputInvalid(f"no language {message.language!r}", field="language")


class MessageOutbox:
    """Writes on the unit's own connection (no ORM session: a booking does not open one)."""

    def __init__(self, *, public_base_url: str = "http://127.0.0.1:8000", link_secret: bytes = b"") -> None:
        self.public_base_url = public_base_url.rstrip("/")
        self.link_secret = link_secret

    def enqueue(self, uow: UnitOfWork, message: OutgoingMessage) -> bool:
        _check(message)
        now, sealer = uow.now, uow.sealer
        values = {
            "county_code": message.county,
            "channel": message.channel,
            "kind": MessageKind(message.kind).value,
            "language": message.language,
            "idempotency_key": message.idempotency_key,
            "about": message.about,
            "recipient": sealer.seal(message.recipient, context="outbox_message.recipient"),
            "subject": sealer.seal(message.subject, context="outbox_message.subject"),
            "body": sealer.seal(message.body, context="outbox_message.body"),
            "calendar": sealer.seal_optional(message.calendar, context="outbox_message.calendar"),
            "quiet_hours": message.quiet_hours,
            "status": MessageStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "due_at": first_try(now, message.due_at, quiet_hours=message.quiet_hours),
        }
        connection = uow.connection
        # a prebuilt statement: it runs in psycopg's pipeline mode too (a booking's unit of work
        # on PostgreSQL), where SQLAlchemy's own execution cannot read a result
        inserted = _ENQUEUE[connection.dialect.name].first(connection, values)
        return inserted is not None

    def withdraw(self, uow: UnitOfWork, *, about: str, kinds: Iterable[MessageKind]) -> int:
        result = uow.connection.execute(
            update(TABLE)
            .where(
                TABLE.c.about == about,
                TABLE.c.kind.in_([MessageKind(k).value for k in kinds]),
                TABLE.c.status == MessageStatus.PENDING.value,
            )
            .values(status=MessageStatus.WITHDRAWN.value, lease_until=None, leased_by=None)
        )
        return int(result.rowcount or 0)
