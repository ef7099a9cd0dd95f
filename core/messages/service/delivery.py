"""Delivering the outbox: a worker claims due messages with a lease, hands each to its
channel, and marks it delivered, to be retried (exponential backoff) or dead.

Several workers may run at once, on any number of machines. A claim is one short
transaction: on PostgreSQL the due rows are locked with ``FOR UPDATE SKIP LOCKED`` (two
workers never wait for, nor take, the same rows); SQLite has one writer at a time, so its
claim, an ``UPDATE ... RETURNING`` of the lease columns, cannot race. The lease outlives a
worker that dies: when it runs out, another worker takes the message over. So a message is
delivered at least once; one that a dead worker had already sent goes again, with the same
idempotency key (an e-mail's Message-ID), for the receiver to drop.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from sotesilta.core.kernel.plugins.channels import Delivery, DeliveryFailed
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.messages.domain import MAX_ATTEMPTS, MessageStatus, next_try, out_of_attempts
from sotesilta.core.messages.service.outbox import TABLE

log = logging.getLogger("sotesilta.messages")
ERROR_LENGTH = 300


@dataclass(frozen=True)
class WorkerPolicy:
    #: messages claimed at once: fewer is fairer between workers, more is fewer round trips
    batch: int = 10
    #: how long a claim holds: longer than a batch's deliveries take
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = MAX_ATTEMPTS


@dataclass
class WorkerReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def attempts(self) -> int:
        return self.delivered + self.retried + self.dead


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    quiet_hours: bool
    delivery: Delivery


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(uow: UnitOfWork, *, worker: str, policy: WorkerPolicy) -> list[Claimed]:
    """Take up to ``policy.batch`` due messages for ``worker`` and commit at once."""
    now = uow.now
    t = TABLE
    due = (
        select(t.c.id)
        .where(
            t.c.status == MessageStatus.PENDING.value,
            t.c.due_at <= now,
            or_(t.c.lease_until.is_(None), t.c.lease_until <= now),
        )
        .order_by(t.c.due_at, t.c.id)
        .limit(policy.batch)
        # PostgreSQL: rows another worker is claiming are skipped, not waited for (SQLite
        # renders nothing here: its writers take turns)
        .with_for_update(skip_locked=True)
    )
    rows = uow.connection.execute(
        update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(
            lease_until=now + policy.lease,
            leased_by=worker,
            attempts=t.c.attempts + 1,
            last_attempt_at=now,
        )
        .returning(
            t.c.id,
            t.c.county_code,
            t.c.channel,
            t.c.kind,
            t.c.language,
            t.c.idempotency_key,
            t.c.recipient,
            t.c.subject,
            t.c.body,
            t.c.calendar,
            t.c.attempts,
            t.c.quiet_hours,
        )
    ).all()
    uow.commit()
    sealer = uow.sealer
    claimed = [
        Claimed(
            id=row.id,
            channel=row.channel,
            quiet_hours=row.quiet_hours,
            delivery=Delivery(
                id=row.id,
                county=row.county_code,
                kind=row.kind,
                recipient=sealer.open(row.recipient, context="outbox_message.recipient"),
                subject=sealer.open(row.subject, context="outbox_message.subject"),
                body=sealer.open(row.body, context="outbox_message.body"),
                language=row.language,
                idempotency_key=row.idempotency_key,
                attempt=row.attempts,
                calendar=sealer.open_optional(row.calendar, context="outbox_message.calendar"),
            ),
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda c: c.id)


def _mine(message_id: int, worker: str) -> list[object]:
    # only while the lease is ours: a worker that outlived its lease must not undo the
    # work of the one that took the message over
    return [
        TABLE.c.id == message_id,
        TABLE.c.leased_by == worker,
        TABLE.c.status == MessageStatus.PENDING.value,
    ]


def mark_delivered(uow: UnitOfWork, message_id: int, *, worker: str) -> None:
    uow.connection.execute(
        update(TABLE)
        .where(*_mine(message_id, worker))  # type: ignore[arg-type]  # column expressions
        .values(
            status=MessageStatus.DELIVERED.value,
            delivered_at=uow.now,
            lease_until=None,
            leased_by=None,
            last_error=None,
        )
    )
    uow.commit()


def mark_failed(
    uow: UnitOfWork, claimed: Claimed, *, worker: str, error: DeliveryFailed, policy: WorkerPolicy
) -> MessageStatus:
    """Schedule the next attempt, or dead-letter the message; which it was."""
    attempts = claimed.delivery.attempt
    dead = error.permanent or out_of_attempts(attempts, policy.max_attempts)
    values: dict[str, object] = {
        "lease_until": None,
        "leased_by": None,
        "last_error": error.reason[:ERROR_LENGTH],
    }
    if dead:
        values["status"] = MessageStatus.DEAD.value
    else:
        values["due_at"] = next_try(uow.now, attempts, quiet_hours=claimed.quiet_hours)
    uow.connection.execute(
        update(TABLE).where(*_mine(claimed.id, worker)).values(**values)  # type: ignore[arg-type]  # column expressions
    )
    uow.commit()
    return MessageStatus.DEAD if dead else MessageStatus.PENDING


def send(plugins: Plugins, claimed: Claimed) -> None:
    """Hand one message to its channel; every failure becomes a ``DeliveryFailed``."""
    channel = plugins.channels.get(claimed.channel)
    if channel is None:
        raise DeliveryFailed(f"no channel {claimed.channel!r} is installed", permanent=True)
    try:
        channel(claimed.delivery, plugins.settings)
    except DeliveryFailed:
        raise
    except Exception as exc:
        # its text may carry the address (smtplib's does): only the kind of failure is kept,
        # in the log as in the admins' list
        log.error(
            "channel failed",
            extra={"message_id": claimed.id, "channel": claimed.channel, "error": type(exc).__name__},
        )
        raise DeliveryFailed(f"the channel failed: {type(exc).__name__}") from exc


def deliver_batch(
    make_uow: Callable[[], UnitOfWork], plugins: Plugins, *, worker: str, policy: WorkerPolicy
) -> WorkerReport:
    """Claim one batch and deliver it; an empty report when nothing is due."""
    report = WorkerReport()
    with make_uow() as uow:
        batch = claim(uow, worker=worker, policy=policy)
    for claimed in batch:
        try:
            send(plugins, claimed)
        except DeliveryFailed as failure:
            with make_uow() as uow:
                status = mark_failed(uow, claimed, worker=worker, error=failure, policy=policy)
            if status is MessageStatus.DEAD:
                report.dead += 1
            else:
                report.retried += 1
            log.warning(
                "message not delivered",
                extra={"message_id": claimed.id, "attempt": claimed.delivery.attempt, "status": status.value},
            )
            continue
        with make_uow() as uow:
            mark_delivered(uow, claimed.id, worker=worker)
        report.delivered += 1
        log.info("message delivered", extra={"message_id": claimed.id, "attempt": claimed.delivery.attempt})
    return report


@dataclass
class Worker:
    """``sotesilta worker``: delivers until stopped (or, ``once``, until nothing is due)."""

    make_uow: Callable[[], UnitOfWork]
    plugins: Plugins
    policy: WorkerPolicy = field(default_factory=WorkerPolicy)
    #: seconds to wait when nothing is due
    idle: float = 2.0
    name: str = field(default_factory=worker_name)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, *, once: bool = False) -> WorkerReport:
        total = WorkerReport()
        while not self.stop.is_set():
            report = deliver_batch(self.make_uow, self.plugins, worker=self.name, policy=self.policy)
            total.delivered += report.delivered
            total.retried += report.retried
            total.dead += report.dead
            if report.attempts == 0:
                if once:
                    break
                self.stop.wait(self.idle)
        return total


def due_count(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Pending messages due now (for ``sotesilta check`` and the tests)."""
    at = now or uow.now
    found = uow.connection.execute(
        select(TABLE.c.id).where(TABLE.c.status == MessageStatus.PENDING.value, TABLE.c.due_at <= at)
    ).all()
    return len(found)
