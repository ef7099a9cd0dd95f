"""Feed subscriptions: one secret URL per device or app, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec
from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.calendar.feed_content import TEXTS
from sotesilta.calendar.tables import FeedSubscription
from sotesilta.core.plugin_api import InputInvalid, Principal, RecordNotFound, Role
from sotesilta.core.plugin_api.data import UnitOfWork, own_worker_id, require_role

#: whose appointments a feed holds: mine, or my stations' sessions
Feed = Literal["mine", "stations"]
#: what a feed shows of a booking: busy only, or a pseudonym
Privacy = Literal["busy_only", "pseudonymous"]
FEEDS: tuple[str, ...] = get_args(Feed)
PRIVACY_MODES: tuple[str, ...] = get_args(Privacy)
MAX_LIVE_SUBSCRIPTIONS = 20


# --- subscriptions -----------------------------------------------------------------


class SubscriptionView(msgspec.Struct, frozen=True, kw_only=True):
    """A feed subscription (never its token), as the use cases return it and the API sends it."""

    id: int
    name: str
    feed: Feed
    privacy: Privacy
    language: str
    created_at: datetime
    revoked_at: datetime | None
    last_fetched_at: datetime | None
    last_user_agent: str | None


class IssuedSubscription(msgspec.Struct, frozen=True, kw_only=True):
    """A new subscription with its secret URL: the only time the token is shown."""

    subscription: SubscriptionView
    token: Annotated[str, msgspec.Meta(description="shown once: only its hash is kept")]
    #: the feed's address, e.g. https://sotesilta.example.fi/feeds/<token>.ics
    url: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(s: FeedSubscription) -> SubscriptionView:
    return msgspec.convert(s, SubscriptionView, from_attributes=True)


def create_feed_subscription(
    uow: UnitOfWork,
    *,
    principal: Principal,
    name: str,
    feed: str,
    privacy: str,
    language: str | None,
    base_url: str = "",
) -> IssuedSubscription:
    """A secret feed URL for one device or app: 256 random bits, kept only as a hash.

    ``base_url`` (the server's public address) prefixes the feed's path in the URL."""
    now = uow.now
    require_role(principal, Role.INSTRUCTOR)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InputInvalid("name the subscription, e.g. 'work phone' (1-100 characters)", field="name")
    if feed not in FEEDS:
        raise InputInvalid("feed is 'mine' or 'stations'", field="feed")
    if privacy not in PRIVACY_MODES:
        raise InputInvalid("privacy is 'busy_only' or 'pseudonymous'", field="privacy")
    language = language or principal.language
    if language not in TEXTS:
        raise InputInvalid("language is fi, sv or en", field="language")
    if feed == "mine" and own_worker_id(uow, principal) is None:
        raise InputInvalid("'mine' needs a worker record linked to your account", field="feed")
    live = uow.session.scalar(
        select(func.count()).where(
            col(FeedSubscription.user_id) == principal.user_id, col(FeedSubscription.revoked_at).is_(None)
        )
    )
    if (live or 0) >= MAX_LIVE_SUBSCRIPTIONS:
        raise InputInvalid(
            f"at most {MAX_LIVE_SUBSCRIPTIONS} live subscriptions: revoke an old one", field="name"
        )
    token = secrets.token_urlsafe(32)
    subscription = FeedSubscription(
        user_id=principal.user_id,
        name=name,
        token_hash=token_hash(token),
        feed=feed,
        privacy=privacy,
        language=language,
        created_at=now,
    )
    uow.session.add(subscription)
    uow.session.flush()
    view = _view(subscription)
    uow.commit()
    return IssuedSubscription(subscription=view, token=token, url=f"{base_url}/feeds/{token}.ics")


def list_feed_subscriptions(uow: UnitOfWork, *, principal: Principal) -> list[SubscriptionView]:
    rows = uow.session.scalars(
        select(FeedSubscription)
        .where(col(FeedSubscription.user_id) == principal.user_id)
        .order_by(col(FeedSubscription.revoked_at).is_not(None), col(FeedSubscription.id))
    )
    return [_view(s) for s in rows]


def revoke_feed_subscription(
    uow: UnitOfWork, *, principal: Principal, subscription_id: int
) -> SubscriptionView:
    now = uow.now
    subscription = uow.session.get(FeedSubscription, subscription_id)
    if subscription is None or subscription.user_id != principal.user_id:
        raise RecordNotFound(f"no feed subscription {subscription_id}")
    if subscription.revoked_at is None:
        subscription.revoked_at = now
    uow.session.flush()
    view = _view(subscription)
    uow.commit()
    return view
