"""Private iCal feeds for workers: subscriptions, building, and cheap revalidation.

A feed is produced with ``icalendar`` and stays correct for the calendar apps
in the wild (SPEC.md, "iCal in the wild"): a VTIMEZONE for Europe/Helsinki,
a stable UID per appointment, SEQUENCE raised by one per change, cancelled
appointments kept as ``STATUS:CANCELLED`` for a while, NAME / X-WR-CALNAME,
REFRESH-INTERVAL and X-PUBLISHED-TTL.

Speed comes from design rather than from skipping icalendar: each event is
serialised by icalendar once per version of its content and kept in a bounded
in-process cache, so after one appointment changes only that event is built
again; the ETag comes from one aggregate query, so a poll that changed nothing
is answered 304 without reading the appointments.

A feed never carries a client's name, identity code, phone number, reasons or
topics: busy-only feeds show plain busy blocks, pseudonymous ones a short code
derived from the client with a keyed hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime as http_date
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update
from sqlmodel import col

from sotesilta.calendar.feed_content import _EPOCH, TEXTS, Scope, _Render, collect, version_of, window_for
from sotesilta.calendar.serialise import assemble
from sotesilta.calendar.subscriptions import token_hash
from sotesilta.calendar.tables import FeedSubscription
from sotesilta.core.plugin_api import RecordNotFound, local_to_utc
from sotesilta.core.plugin_api.data import UnitOfWork, UserStation, Worker

#: a poll updates "last fetched" at most this often (a write per poll would cost more than the poll)
FETCH_TOUCH_INTERVAL = timedelta(minutes=1)


# --- serving a feed ---------------------------------------------------------------------


@dataclass(frozen=True)
class FeedAnswer:
    status: int  # 200 or 304
    body: bytes
    etag: str
    last_modified: str


_SUBSCRIPTION: Select[*tuple[Any, ...]] = (
    select(
        col(FeedSubscription.id),
        col(FeedSubscription.user_id),
        col(FeedSubscription.name),
        col(FeedSubscription.feed),
        col(FeedSubscription.privacy),
        col(FeedSubscription.language),
        col(FeedSubscription.revoked_at),
        col(FeedSubscription.last_fetched_at),
        col(FeedSubscription.last_user_agent),
        col(Worker.id).label("worker_id"),
    )
    .outerjoin(Worker, col(Worker.user_id) == col(FeedSubscription.user_id))
    .where(col(FeedSubscription.token_hash) == bindparam("token_hash"))
)


def _subscription(uow: UnitOfWork, token: str) -> Row[*tuple[Any, ...]]:
    """The live subscription behind a token, with the owner's worker id: one query (the 304 path)."""
    if not token or len(token) > 100:
        raise RecordNotFound("no such feed")
    row = uow.session.execute(_SUBSCRIPTION, {"token_hash": token_hash(token)}).first()
    if row is None or row.revoked_at is not None:
        raise RecordNotFound("no such feed")  # revoked and unknown look the same
    return row


def _scope(uow: UnitOfWork, subscription: Row[*tuple[Any, ...]]) -> Scope:
    if subscription.feed == "mine":
        return Scope(subscription.worker_id if subscription.worker_id is not None else -1, ())
    stations = tuple(
        uow.session.scalars(
            select(col(UserStation.station_id)).where(col(UserStation.user_id) == subscription.user_id)
        )
    )
    return Scope(None, stations)


def serve_feed(
    uow: UnitOfWork,
    *,
    token: str,
    secret: bytes,
    past_days: int,
    future_days: int,
    tombstone_days: int,
    user_agent: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: datetime | None = None,
) -> FeedAnswer:
    now = uow.now
    subscription = _subscription(uow, token)
    scope = _scope(uow, subscription)
    w = window_for(now, past_days, future_days, tombstone_days)
    count, sequences, last_id, changed = version_of(uow, scope, w)
    tag_source = ":".join(
        str(v)
        for v in (
            subscription.id,
            subscription.privacy,
            subscription.language,
            w.day,
            count,
            sequences,
            last_id,
        )
    )
    etag = '"' + hashlib.sha256(tag_source.encode()).hexdigest()[:32] + '"'
    # the window moves at local midnight, so the day's start counts as a change too
    modified = max(changed or _EPOCH, local_to_utc(w.day, time()))
    modified_utc = modified.astimezone(UTC).replace(microsecond=0)
    last_modified = http_date(modified_utc, usegmt=True)
    _touch(uow, subscription, user_agent)
    if if_none_match is not None:
        # weak comparison (RFC 9110 13.1.2): a cache or proxy may present the tag as W/"…"
        presented = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if etag in presented or if_none_match.strip() == "*":
            return FeedAnswer(304, b"", etag, last_modified)
    elif if_modified_since is not None and modified_utc <= if_modified_since:
        return FeedAnswer(304, b"", etag, last_modified)
    render = _Render(subscription.language, subscription.privacy == "busy_only", secret)
    items = collect(uow, scope, w, render)
    texts = TEXTS[subscription.language]
    body = assemble(f"Sotesilta – {texts[subscription.feed]} ({subscription.name})", items)
    return FeedAnswer(200, body, etag, last_modified)


def _touch(uow: UnitOfWork, subscription: Row[*tuple[Any, ...]], user_agent: str | None) -> None:
    now = uow.now
    agent = (user_agent or "")[:200] or None
    last = subscription.last_fetched_at
    if last is None or now - last >= FETCH_TOUCH_INTERVAL or agent != subscription.last_user_agent:
        uow.session.execute(
            update(FeedSubscription)
            .where(col(FeedSubscription.id) == subscription.id)
            .values(last_fetched_at=now, last_user_agent=agent)
        )
        uow.commit()
