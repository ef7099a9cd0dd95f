"""Feed subscriptions: one secret URL per device or app, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from sotesilta.calendar.feed_content import TEXTS
from sotesilta.calendar.tables import FeedSubscription
from sotesilta.core.plugin_api import InputInvalid, Principal, RecordNotFound, Role
from sotesilta.core.plugin_api.data import UnitOfWork, own_worker_id, require_role

FEEDS = ("mine", "stations")
PRIVACY_MODES = ("busy_only", "pseudonymous")
MAX_LIVE_SUBSCRIPTIONS = 20


# --- subscriptions -----------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    name: str
    feed: str
    privacy: str
    language: str
    created_at: datetime
    revoked_at: datetime | None
    last_fetched_at: datetime | None
    last_user_agent: str | None


@dataclass(frozen=True)
class IssuedSubscription:
    subscription: SubscriptionView
    token: str  # shown once; only its hash is kept
    path: str  # the feed's path, e.g. /feeds/<token>.ics


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(s: FeedSubscription) -> SubscriptionView:
    return SubscriptionView(
        s.id or 0,
        s.name,
        s.feed,
        s.privacy,
        s.language,
        s.created_at,
        s.revoked_at,
        s.last_fetched_at,
        s.last_user_agent,
    )


def create_feed_subscription(
    uow: UnitOfWork,
    *,
    principal: Principal,
    name: str,
    feed: str,
    privacy: str,
    language: str | None,
) -> IssuedSubscription:
    """A secret feed URL for one device or app: 256 random bits, kept only as a hash."""
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
            FeedSubscription.user_id == principal.user_id, FeedSubscription.revoked_at.is_(None)
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
    return IssuedSubscription(view, token, f"/feeds/{token}.ics")


def list_feed_subscriptions(uow: UnitOfWork, *, principal: Principal) -> list[SubscriptionView]:
    rows = uow.session.scalars(
        select(FeedSubscription)
        .where(FeedSubscription.user_id == principal.user_id)
        .order_by(FeedSubscription.revoked_at.is_not(None), FeedSubscription.id)
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
