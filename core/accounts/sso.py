"""Use cases of signing in through a county's OpenID provider: the pending sign-in (its state,
bound to the browser, used once) and the user the provider vouches for, created or updated
just in time from her claims.

A user is found by the provider's issuer and subject (``sub``), never by e-mail or name. Her
roles, municipalities and stations are what her groups give her under the provider's mapping
(``settings.OidcProvider``), replaced at each sign-in: a group the county removes takes away
what it gave. A sign-in whose groups give no role (or no municipality of the county) is
refused, and the user's roles and open sessions go with it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sotesilta.core.accounts.domain import claimed_groups, granted_by_groups, validate_username
from sotesilta.core.accounts.oidc import SignInRefused
from sotesilta.core.accounts.service import IssuedToken, _grant, _issue, _record, _roles
from sotesilta.core.accounts.tables import (
    AuthToken,
    SignInRequest,
    UserAccount,
    UserIdentity,
    UserMunicipality,
    UserRole,
)
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.principals import TokenKind
from sotesilta.core.kernel.secrets import keyed_digest
from sotesilta.core.kernel.settings import OidcProvider
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Municipality, Station

log = logging.getLogger("sotesilta.security")

#: how long a sign-in may stay at the provider (typing a password, a second factor)
SIGN_IN_TTL = timedelta(minutes=10)
#: the session's name in ``auth_token``: says which provider opened it (signing out there too)
SESSION_PREFIX = "oidc:"


class NoRoleGranted(SignInRefused):
    """The provider vouched for the user, but her groups give her no role here."""

    def __init__(self) -> None:
        super().__init__("no-role", "your groups give you no role in sotesilta")


def start_sign_in(
    uow: UnitOfWork,
    *,
    provider: str,
    state_digest: str,
    browser_digest: str,
    next_path: str,
    link_user_id: int | None = None,
) -> None:
    """Remember a sign-in sent to ``provider``; forget those left unfinished long ago.
    ``link_user_id``: a signed-in user connecting her account (``sign_in_with_claims``)."""
    now = uow.now
    session = uow.session
    session.execute(delete(SignInRequest).where(col(SignInRequest.created_at) < now - SIGN_IN_TTL))
    session.add(
        SignInRequest(
            state_digest=state_digest,
            browser_digest=browser_digest,
            provider=provider,
            next_path=next_path[:500],
            link_user_id=link_user_id,
            created_at=now,
        )
    )
    uow.commit()


def take_sign_in(uow: UnitOfWork, *, state_digest: str, browser_digest: str) -> SignInRequest:
    """The pending sign-in of this state, used up: a second use of the state, another
    browser's state or a state too old is refused. The row is deleted by whoever reads it
    first, so two instances given the same state cannot both go on."""
    now = uow.now
    session = uow.session
    pending = session.get(SignInRequest, state_digest)
    if pending is None:
        raise SignInRefused("state-unknown-or-used")
    removed = session.execute(delete(SignInRequest).where(col(SignInRequest.state_digest) == state_digest))
    uow.commit()
    if removed.rowcount != 1:  # type: ignore[attr-defined]  # a DELETE gives a CursorResult
        raise SignInRefused("state-unknown-or-used")
    if pending.browser_digest != browser_digest:
        raise SignInRefused("state-of-another-browser")
    if now - pending.created_at > SIGN_IN_TTL:
        raise SignInRefused("state-expired")
    return pending


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def sign_in_with_claims(
    uow: UnitOfWork,
    *,
    provider: str,
    config: OidcProvider,
    claims: dict[str, Any],
    secret: bytes,
    absolute_lifetime: timedelta,
    remote_addr: str = "",
    link_user_id: int | None = None,
) -> tuple[IssuedToken, int]:
    """Open a session for the user the verified ``claims`` name, creating or updating her
    account from them; the session and the user's id.

    ``link_user_id``: the user signed in with her password and asked to connect her account
    to the provider, so the identity is hers (she proved both): it links to her account
    instead of making one. An identity linked already stays with its account."""
    now = uow.now
    session = uow.session
    subject = str(claims["sub"])
    groups = claimed_groups(claims.get(config.groups_claim))
    granted = granted_by_groups(
        groups, roles=config.roles, municipalities=config.municipalities, stations=config.stations
    )
    # only the provider's own county: a mapping's slip must not reach another county's clients
    municipalities = sorted(
        session.scalars(
            select(col(Municipality.code)).where(
                col(Municipality.code).in_(sorted(granted.municipalities)),
                col(Municipality.county_code) == config.county,
            )
        )
    )
    stations: list[int] = list(
        session.scalars(
            select(col(Station.id)).where(
                col(Station.key).in_(sorted(granted.stations)),
                col(Station.municipality_code).in_(municipalities),
            )
        )
    )
    identity = session.scalar(
        select(UserIdentity).where(
            col(UserIdentity.issuer) == config.issuer, col(UserIdentity.subject) == subject
        )
    )
    if link_user_id is not None:
        if identity is not None and identity.user_id != link_user_id:
            raise SignInRefused("identity-linked-elsewhere", "the account is connected to another user")
        if identity is None and not _in_county(uow, link_user_id, config.county):
            raise SignInRefused("link-of-another-county", "the account is another county's")
    owner = identity.user_id if identity is not None else link_user_id
    user = session.get(UserAccount, owner) if owner is not None else None
    if user is not None and not user.active:
        raise SignInRefused("account-disabled", "the account is disabled")
    if not granted.roles or not municipalities:
        if user is not None and identity is not None:
            # her groups at the provider decide her roles: none now (a user connecting her
            # password account keeps what she has until the connection is made)
            _take_away(uow, user_id=user.id or 0)
        log.warning(
            "oidc sign-in without a role",
            extra={"provider": provider, "user_id": user.id if user else None, "groups": len(groups)},
        )
        raise NoRoleGranted()
    try:
        roles = _roles(granted.roles)
    except InputInvalid:
        raise SignInRefused("mapping-names-unknown-role") from None
    display_name = (_text(claims, config.name_claim) or _text(claims, config.username_claim) or subject)[:200]
    if user is None:
        user = _new_user(uow, provider=provider, config=config, claims=claims, display_name=display_name)
    if identity is None:
        identity = UserIdentity(
            user_id=user.id or 0,
            provider=provider,
            issuer=config.issuer,
            subject=subject,
            created_at=now,
            last_sign_in_at=now,
        )
        session.add(identity)
        log.info("oidc identity linked", extra={"provider": provider, "user_id": user.id})
    assert user.id is not None
    identity.last_sign_in_at = now
    user.display_name = display_name
    user_id = user.id
    _grant(uow, user_id, roles, municipalities, stations)
    try:
        session.flush()
    except IntegrityError:
        # the same person's first sign-in in two tabs at once: one made the account
        raise SignInRefused("concurrent-first-sign-in") from None
    issued = _issue(
        uow,
        user_id=user_id,
        kind=TokenKind.SESSION,
        name=f"{SESSION_PREFIX}{provider}",
        expires_at=now + absolute_lifetime,
    )
    _record(
        uow,
        kind="login_success",
        digest=keyed_digest(secret, f"username:{user.username}"),
        user_id=user_id,
        remote_addr=remote_addr,
    )
    uow.commit()
    log.info(
        "oidc sign-in",
        extra={"provider": provider, "user_id": user_id, "roles": [r.value for r in roles]},
    )
    return issued, user_id


def _new_user(
    uow: UnitOfWork, *, provider: str, config: OidcProvider, claims: dict[str, Any], display_name: str
) -> UserAccount:
    """A first sign-in: an account named by the provider's username claim. A name already
    taken is refused rather than linked: the other account may be another person's."""
    try:
        username = validate_username(_text(claims, config.username_claim))
    except InputInvalid:
        raise SignInRefused("username-claim-unusable") from None
    taken = uow.session.scalar(select(col(UserAccount.id)).where(col(UserAccount.username) == username))
    if taken is not None:
        raise SignInRefused(
            "username-taken",
            "an account with your username exists already; sign in with its password and connect it",
        )
    user = UserAccount(
        username=username,
        display_name=display_name,
        # no password: "!" is no argon2 hash, so no password ever matches it
        password_hash="!",  # noqa: S106  (no hash: the account has no password)
        language="fi",
        created_at=uow.now,
    )
    uow.session.add(user)
    try:
        uow.session.flush()
    except IntegrityError:
        raise SignInRefused("concurrent-first-sign-in") from None
    log.info("oidc user created", extra={"provider": provider, "user_id": user.id})
    return user


def _in_county(uow: UnitOfWork, user_id: int, county: str) -> bool:
    return (
        uow.session.scalar(
            select(col(UserMunicipality.municipality_code))
            .join(Municipality, col(Municipality.code) == col(UserMunicipality.municipality_code))
            .where(col(UserMunicipality.user_id) == user_id, col(Municipality.county_code) == county)
            .limit(1)
        )
        is not None
    )


def _take_away(uow: UnitOfWork, *, user_id: int) -> None:
    """The user's groups give her nothing any more: her roles go, and her open sessions."""
    now = uow.now
    uow.session.execute(delete(UserRole).where(col(UserRole.user_id) == user_id))
    uow.session.execute(
        update(AuthToken)
        .where(
            col(AuthToken.user_id) == user_id,
            col(AuthToken.kind) == TokenKind.SESSION.value,
            col(AuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    uow.commit()


def linked_providers(uow: UnitOfWork, *, user_id: int) -> frozenset[str]:
    """The providers the user's account is connected to."""
    return frozenset(
        uow.session.scalars(select(col(UserIdentity.provider)).where(col(UserIdentity.user_id) == user_id))
    )
