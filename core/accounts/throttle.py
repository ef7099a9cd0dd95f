"""Rate limits on what anyone may send without signing in, on the sign-in throttle's table.

The login throttle (``service.login``) counts ``security_event`` rows by address in a
window; this does the same for other kinds of public submission (the self-assessment).
Two differences, both for floods: the address is stored as a keyed digest, since the
sender is a member of the public and not a staff account; and a refused attempt writes
nothing, so a burst from one address costs an indexed count per request and never the
database's writer lock that staff pages need.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.accounts.tables import SecurityEvent
from sotesilta.core.kernel.errors import SubmissionThrottled
from sotesilta.core.kernel.uow import UnitOfWork

log = logging.getLogger("sotesilta.security")


def throttle(uow: UnitOfWork, *, kind: str, address_key: str, limit: int, window: timedelta) -> None:
    """Refuse (``SubmissionThrottled``) when ``address_key`` has made ``limit`` submissions of
    ``kind`` within ``window``; otherwise count this one, committed with the use case."""
    now = uow.now
    recent = list(
        uow.session.scalars(
            select(col(SecurityEvent.at))
            .where(
                col(SecurityEvent.remote_addr) == address_key,
                col(SecurityEvent.kind) == kind,
                col(SecurityEvent.at) > now - window,
            )
            .order_by(col(SecurityEvent.at).desc())
            .limit(limit)
        )
    )
    if len(recent) >= limit:
        retry = max(1, int((recent[-1] + window - now).total_seconds()))
        # the digest's head only: enough to follow one sender through the log, not to find them
        log.warning("submission throttled", extra={"kind": kind, "address": address_key[:12]})
        raise SubmissionThrottled(
            f"too many submissions from this address; try again in {retry} seconds",
            retry_after_seconds=retry,
        )
    uow.session.add(
        SecurityEvent(at=now, kind=kind, user_id=None, username_digest="", remote_addr=address_key)
    )
