"""The outbox's rules: when a message may be tried (backoff, quiet hours), when it is dead,
and the stable Message-ID an e-mail carries. Pure: no database, no clock of its own."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from enum import StrEnum

from sotesilta.core.kernel.clock import HELSINKI


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting to be tried (again); a worker may hold a lease on it
    DELIVERED = "delivered"
    DEAD = "dead"  # out of attempts, or refused for good: an admin looks and may retry
    WITHDRAWN = "withdrawn"  # not sent: what it was about changed first (a cancelled time)


#: attempts before a message is dead-lettered
MAX_ATTEMPTS = 8
#: the first retry's wait; each later one doubles, up to ``MAX_BACKOFF``
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=6)
#: no message reaches a client between these (Helsinki time): it waits for the morning
QUIET_FROM = time(21)
QUIET_UNTIL = time(8)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, ... 6 h."""
    if attempts < 1:
        raise ValueError("a backoff follows at least one attempt")
    # bounded exponent: 2**60 seconds would overflow timedelta
    return min(FIRST_BACKOFF * (1 << min(attempts - 1, 20)), MAX_BACKOFF)


def out_of_attempts(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> bool:
    return attempts >= max_attempts


def after_quiet_hours(at: datetime) -> datetime:
    """``at`` itself, or 08:00 Helsinki time when ``at`` falls in the night (21-08).

    Computed on the local wall clock, so it is right on both sides of a daylight-saving
    change (08:00 is never in the gap nor the repeated hour of Finland's changes)."""
    local = at.astimezone(HELSINKI)
    clock = local.time()
    if QUIET_UNTIL <= clock < QUIET_FROM:
        return at
    day = local.date() if clock < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=HELSINKI).astimezone(at.tzinfo)


def in_quiet_hours(at: datetime) -> bool:
    clock = at.astimezone(HELSINKI).time()
    return not (QUIET_UNTIL <= clock < QUIET_FROM)


def message_id(idempotency_key: str, domain: str) -> str:
    """An e-mail's Message-ID, the same for every attempt of one message: a receiver that has
    seen it may drop the copy a retry sends (RFC 5322 3.6.4). The key itself is not shown."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def next_try(now: datetime, attempts: int, *, quiet_hours: bool) -> datetime:
    """When a failed message is tried again."""
    at = now + backoff(attempts)
    return after_quiet_hours(at) if quiet_hours else at


def first_try(now: datetime, due_at: datetime | None, *, quiet_hours: bool) -> datetime:
    """When a new message is first tried: when it is due (not in the past), out of the night."""
    at = max(now, due_at) if due_at is not None else now
    return after_quiet_hours(at) if quiet_hours else at
