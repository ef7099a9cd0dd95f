"""Use cases for staff accounts: users, login, sessions, API tokens."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import col

from sotesilta.core.accounts.domain import SessionPolicy, token_is_live, validate_password, validate_username
from sotesilta.core.accounts.tables import (
    AuthToken,
    SecurityEvent,
    UserAccount,
    UserMunicipality,
    UserRole,
    UserStation,
)
from sotesilta.core.kernel.cache import ExpiringCache
from sotesilta.core.kernel.errors import (
    AccessDenied,
    AuthenticationFailed,
    InputInvalid,
    LoginThrottled,
    RecordConflict,
    RecordNotFound,
)
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.kernel.principals import Principal, Role, TokenKind
from sotesilta.core.kernel.secrets import (
    hash_password,
    keyed_digest,
    new_token,
    token_digest,
    verify_password,
)
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Municipality, Station, Worker

log = logging.getLogger("sotesilta.security")

#: refresh ``last_used_at`` at most this often: a write per request would make
#: every read a write
TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)


class UserSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A user as an admin sees them (listUsers, createUser, disableUser)."""

    id: int
    username: str
    display_name: str
    language: str
    active: bool
    roles: tuple[str, ...]
    municipalities: tuple[str, ...]
    stations: Annotated[tuple[str, ...], msgspec.Meta(description="station keys")]


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    """A session or an API token, as it is issued (createApiToken sends it as it is)."""

    id: int
    token: Annotated[str, msgspec.Meta(description="Shown once; only its hash is stored")]
    expires_at: datetime | None


def _roles(values: Iterable[str]) -> list[Role]:
    roles = []
    for value in values:
        try:
            roles.append(Role(value))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise InputInvalid(f"unknown role {value!r}; use one of: {allowed}", field="roles") from None
    if not roles:
        raise InputInvalid("a user needs at least one role", field="roles")
    return sorted(set(roles))


def add_user(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    municipalities: Iterable[str],
    station_keys: Iterable[str] = (),
    language: str = "fi",
) -> UserSummary:
    now = uow.now
    username = validate_username(username)
    validate_password(password)
    role_list = _roles(roles)
    if language not in ("fi", "sv", "en"):
        raise InputInvalid("language must be fi, sv or en", field="language")
    if not display_name.strip() or len(display_name) > 200:
        raise InputInvalid("display name must be 1-200 characters", field="display_name")
    session = uow.session
    if session.scalar(select(col(UserAccount.id)).where(col(UserAccount.username) == username)) is not None:
        raise RecordConflict(f"user {username!r} already exists", field="username")
    codes = _known_municipalities(uow, municipalities)
    stations = _known_stations(uow, station_keys, codes)
    user = UserAccount(
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        language=language,
        created_at=now,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    _grant(uow, user.id, role_list, codes, [s.id or 0 for s in stations])
    session.flush()
    summary = _summary(uow, user)
    uow.commit()
    log.info("user added", extra={"user_id": user.id, "roles": [r.value for r in role_list]})
    return summary


def _grant(
    uow: UnitOfWork, user_id: int, roles: Iterable[Role], codes: Iterable[str], station_ids: Iterable[int]
) -> None:
    """The user's roles, municipalities and stations are these (whatever they were before)."""
    session = uow.session
    for table in (UserRole, UserMunicipality, UserStation):
        session.execute(delete(table).where(col(table.user_id) == user_id))
    session.add_all(UserRole(user_id=user_id, role=r.value) for r in roles)
    session.add_all(UserMunicipality(user_id=user_id, municipality_code=c) for c in codes)
    session.add_all(UserStation(user_id=user_id, station_id=s) for s in station_ids)


def _known_municipalities(uow: UnitOfWork, codes: Iterable[str]) -> list[str]:
    wanted = sorted(set(codes))
    if not wanted:
        raise InputInvalid("a user belongs to at least one municipality", field="municipalities")
    found = dict(
        uow.session.execute(
            select(col(Municipality.code), col(Municipality.county_code)).where(
                col(Municipality.code).in_(wanted)
            )
        ).all()
    )
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InputInvalid(f"unknown municipality code(s): {', '.join(missing)}", field="municipalities")
    if len(set(found.values())) > 1:
        # staff act for one wellbeing services county, the controller of the data they see
        raise InputInvalid(
            "a user's municipalities must all belong to one wellbeing services county", field="municipalities"
        )
    return wanted


def _known_stations(uow: UnitOfWork, keys: Iterable[str], codes: list[str]) -> list[Station]:
    wanted = sorted(set(keys))
    if not wanted:
        return []
    stations = list(uow.session.scalars(select(Station).where(col(Station.key).in_(wanted))))
    missing = sorted(set(wanted) - {s.key for s in stations})
    if missing:
        raise InputInvalid(f"unknown station(s): {', '.join(missing)}", field="stations")
    foreign = [s.key for s in stations if s.municipality_code not in codes]
    if foreign:
        raise InputInvalid(
            f"station(s) outside the user's municipalities: {', '.join(foreign)}", field="stations"
        )
    return stations


def _summary(uow: UnitOfWork, user: UserAccount) -> UserSummary:
    session = uow.session
    roles = tuple(sorted(session.scalars(select(col(UserRole.role)).where(col(UserRole.user_id) == user.id))))
    codes = tuple(
        sorted(
            session.scalars(
                select(col(UserMunicipality.municipality_code)).where(
                    col(UserMunicipality.user_id) == user.id
                )
            )
        )
    )
    keys = tuple(
        sorted(
            session.scalars(
                select(col(Station.key))
                .join(UserStation, col(UserStation.station_id) == col(Station.id))
                .where(col(UserStation.user_id) == user.id)
            )
        )
    )
    assert user.id is not None
    return UserSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        active=user.active,
        roles=roles,
        municipalities=codes,
        stations=keys,
    )


def list_users(uow: UnitOfWork, *, municipalities: Iterable[str] | None = None) -> list[UserSummary]:
    """All users, or those sharing one of ``municipalities`` (an admin's scope)."""
    query = select(UserAccount).order_by(col(UserAccount.username))
    if municipalities is not None:
        query = query.where(
            col(UserAccount.id).in_(
                select(col(UserMunicipality.user_id)).where(
                    col(UserMunicipality.municipality_code).in_(list(municipalities))
                )
            )
        )
    return [_summary(uow, user) for user in uow.session.scalars(query)]


def get_user(uow: UnitOfWork, user_id: int) -> UserSummary:
    user = uow.session.get(UserAccount, user_id)
    if user is None:
        raise RecordNotFound(f"no user {user_id}")
    return _summary(uow, user)


def disable_user(uow: UnitOfWork, *, username: str | None = None, user_id: int | None = None) -> UserSummary:
    """Disable an account and revoke every token it holds, in one transaction."""
    now = uow.now
    query = select(UserAccount)
    query = (
        query.where(col(UserAccount.id) == user_id)
        if user_id is not None
        else query.where(col(UserAccount.username) == (username or "").strip().lower())
    )
    user = uow.session.scalar(query)
    if user is None:
        raise RecordNotFound(f"no user {username or user_id!r}")
    user.active = False
    user.disabled_at = user.disabled_at or now
    for token in uow.session.scalars(
        select(AuthToken).where(col(AuthToken.user_id) == user.id, col(AuthToken.revoked_at).is_(None))
    ):
        token.revoked_at = now
    uow.session.flush()
    summary = _summary(uow, user)
    uow.commit()
    log.info("user disabled", extra={"user_id": user.id})
    return summary


def set_password(uow: UnitOfWork, *, username: str, password: str) -> None:
    validate_password(password)
    user = uow.session.scalar(select(UserAccount).where(col(UserAccount.username) == username))
    if user is None:
        raise RecordNotFound(f"no user {username!r}")
    user.password_hash = hash_password(password)
    uow.commit()


def _record(uow: UnitOfWork, *, kind: str, digest: str, user_id: int | None, remote_addr: str) -> None:
    now = uow.now
    uow.session.add(
        SecurityEvent(
            at=now, kind=kind, user_id=user_id, username_digest=digest, remote_addr=remote_addr[:64]
        )
    )


def login(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    secret: bytes,
    policy: SessionPolicy,
    remote_addr: str = "",
    password_off_counties: frozenset[str] = frozenset(),
) -> IssuedToken:
    """Check a password and open a session; throttle repeated failures. A user of a county
    in ``password_off_counties`` signs in through the county's identity provider only.

    Three limits, each counted inside the window (a username's since its last success)
    and each refusing even the right password until its lockout passes:

    - one username from one address (5): that address may no longer try it;
    - one address, any usernames (20): password spraying;
    - one username from every address (50): a guess spread over many addresses.

    The first is the one a guesser meets, and it locks the guesser's address only: a known
    admin signs in from her own while someone elsewhere keeps failing. Locking her out
    everywhere takes more failures than one address may make (docs/operators.md).
    """
    now = uow.now
    normalised = username.strip().lower()
    digest = keyed_digest(secret, f"username:{normalised}")
    session = uow.session
    window_start = now - policy.failure_window
    last_success = session.scalar(
        select(func.max(col(SecurityEvent.at))).where(
            col(SecurityEvent.username_digest) == digest, col(SecurityEvent.kind) == "login_success"
        )
    )
    since = max(window_start, last_success) if last_success else window_start
    failed = select(col(SecurityEvent.at)).where(col(SecurityEvent.kind) == "login_failure")
    limits = (
        (
            failed.where(col(SecurityEvent.username_digest) == digest, col(SecurityEvent.at) > since).where(
                col(SecurityEvent.remote_addr) == remote_addr
            ),
            policy.max_failed_logins,
            "username_address",
        ),
        (
            failed.where(col(SecurityEvent.remote_addr) == remote_addr, col(SecurityEvent.at) > window_start),
            policy.max_failed_per_address,
            "address",
        ),
        (
            failed.where(col(SecurityEvent.username_digest) == digest, col(SecurityEvent.at) > since),
            policy.max_failed_per_username,
            "username",
        ),
    )
    for query, limit, scope in limits:
        failures = list(session.scalars(query.order_by(col(SecurityEvent.at).desc()).limit(limit)))
        if len(failures) < limit:
            continue
        unlock_at = failures[0] + policy.lockout
        if now < unlock_at:
            _record(uow, kind="login_throttled", digest=digest, user_id=None, remote_addr=remote_addr)
            uow.commit()
            log.warning(
                "login throttled",
                extra={"username_digest": digest[:16], "remote_addr": remote_addr, "limit": scope},
            )
            raise LoginThrottled(
                "too many failed logins; try again later",
                retry_after_seconds=max(1, int((unlock_at - now).total_seconds())),
            )
    user = session.scalar(select(UserAccount).where(col(UserAccount.username) == normalised))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        _record(
            uow,
            kind="login_failure",
            digest=digest,
            user_id=user.id if user else None,
            remote_addr=remote_addr,
        )
        uow.commit()
        log.warning("login failed", extra={"username_digest": digest[:16], "remote_addr": remote_addr})
        # one message for every cause: do not reveal which usernames exist
        raise AuthenticationFailed("wrong username or password, or the account is disabled")
    assert user.id is not None
    if password_off_counties and _counties_of(uow, user.id) & password_off_counties:
        # told only to whoever knows the password: the account's existence is not revealed
        log.info("password sign-in off for the user's county", extra={"user_id": user.id})
        raise PasswordSignInOff("sign in through your organisation's identity provider")
    issued = _issue(
        uow,
        user_id=user.id,
        kind=TokenKind.SESSION,
        name="login",
        expires_at=now + policy.absolute_lifetime,
    )
    _record(uow, kind="login_success", digest=digest, user_id=user.id, remote_addr=remote_addr)
    uow.commit()
    log.info("login", extra={"user_id": user.id, "remote_addr": remote_addr})
    return issued


class PasswordSignInOff(AuthenticationFailed):
    """The user's county has turned password sign-in off."""

    code = "password-sign-in-off"


def _counties_of(uow: UnitOfWork, user_id: int) -> frozenset[str]:
    return frozenset(
        uow.session.scalars(
            select(col(Municipality.county_code))
            .join(UserMunicipality, col(UserMunicipality.municipality_code) == col(Municipality.code))
            .where(col(UserMunicipality.user_id) == user_id)
        )
    )


def _issue(
    uow: UnitOfWork, *, user_id: int, kind: TokenKind, name: str, expires_at: datetime | None
) -> IssuedToken:
    now = uow.now
    token = new_token()
    row = AuthToken(
        user_id=user_id,
        kind=kind.value,
        token_hash=token_digest(token),
        name=name,
        created_at=now,
        last_used_at=now,
        expires_at=expires_at,
    )
    uow.session.add(row)
    uow.session.flush()
    assert row.id is not None
    return IssuedToken(id=row.id, token=token, expires_at=expires_at)


#: one indexed lookup per request: the token, its user's state, nothing else;
#: run straight on the driver (persistence.prepared)
_TOKEN_LOOKUP = Prepared(
    select(
        col(AuthToken.id),
        col(AuthToken.user_id),
        col(AuthToken.kind),
        col(AuthToken.created_at),
        col(AuthToken.last_used_at),
        col(AuthToken.expires_at),
        col(AuthToken.revoked_at),
        col(UserAccount.active),
    )
    .join(UserAccount, col(UserAccount.id) == col(AuthToken.user_id))
    .where(col(AuthToken.token_hash) == bindparam("token_hash"))
)
_TOKEN_TOUCH = (
    update(AuthToken).where(col(AuthToken.id) == bindparam("token_id")).values(last_used_at=bindparam("now"))
)


@dataclass(frozen=True)
class _Profile:
    username: str
    display_name: str
    language: str
    roles: frozenset[Role]
    municipalities: frozenset[str]
    station_ids: frozenset[int]
    counties: frozenset[str]
    worker_id: int | None


#: Who a user is (roles, municipalities, stations), kept briefly per process.
#: Whether a token is live and its user active is read from the database on
#: every request, so logout, revocation and disabling take effect at once; only
#: role and scope changes may take up to the cache's ``ttl`` to reach a running
#: process.
ProfileCache = ExpiringCache[int, _Profile]


def _load_profile(uow: UnitOfWork, user_id: int) -> _Profile:
    user = uow.session.get(UserAccount, user_id)
    assert user is not None
    summary = _summary(uow, user)
    station_ids = frozenset(
        uow.session.scalars(select(col(UserStation.station_id)).where(col(UserStation.user_id) == user_id))
    )
    counties = frozenset(
        uow.session.scalars(
            select(col(Municipality.county_code)).where(col(Municipality.code).in_(summary.municipalities))
        )
    )
    worker_id = uow.session.scalar(select(col(Worker.id)).where(col(Worker.user_id) == user_id))
    return _Profile(
        summary.username,
        summary.display_name,
        summary.language,
        frozenset(Role(r) for r in summary.roles),
        frozenset(summary.municipalities),
        station_ids,
        counties,
        worker_id,
    )


def _checked(row: Any, policy: SessionPolicy, now: datetime) -> TokenKind:
    """The token's kind, if the looked-up row is a live token of an active user."""
    if row is None:
        raise AuthenticationFailed("unknown or expired credentials")
    kind = TokenKind(row.kind)
    live = token_is_live(
        kind=kind,
        now=now,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        policy=policy,
    )
    if not live or not row.active:
        raise AuthenticationFailed("unknown or expired credentials")
    return kind


def _principal(row: Any, kind: TokenKind, profile: _Profile) -> Principal:
    return Principal(
        user_id=row.user_id,
        username=profile.username,
        display_name=profile.display_name,
        roles=profile.roles,
        municipalities=profile.municipalities,
        station_ids=profile.station_ids,
        counties=profile.counties,
        worker_id=profile.worker_id,
        language=profile.language,
        token_id=row.id,
        token_kind=kind,
    )


def _well_formed(token: str) -> None:
    if not token or len(token) > 256:
        raise AuthenticationFailed("missing or malformed credentials")


def authenticate(
    uow: UnitOfWork,
    *,
    token: str,
    policy: SessionPolicy,
    profiles: ProfileCache | None = None,
) -> Principal:
    """Resolve a presented token to a principal, or raise ``AuthenticationFailed``."""
    now = uow.now
    _well_formed(token)
    # the common case (touch not due, profile cached) is one lookup on the unit's
    # connection: no ORM session is opened (it would cost more than the lookup)
    connection = uow.connection
    row = _TOKEN_LOOKUP.first(connection, {"token_hash": token_digest(token)})
    kind = _checked(row, policy, now)
    if now - row.last_used_at >= TOKEN_TOUCH_INTERVAL:
        connection.execute(_TOKEN_TOUCH, {"token_id": row.id, "now": now})
        uow.commit()
    profile = profiles.get(row.user_id, now) if profiles is not None else None
    if profile is None:
        profile = _load_profile(uow, row.user_id)
        if profiles is not None:
            profiles.put(row.user_id, profile, now)
    return _principal(row, kind, profile)


def logout(uow: UnitOfWork, *, principal: Principal, secret: bytes) -> str:
    """Revoke the presented session or token; its name (``oidc:<provider>`` for a session
    an identity provider opened)."""
    now = uow.now
    row = uow.session.get(AuthToken, principal.token_id)
    name = row.name if row is not None else ""
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
    _record(
        uow,
        kind="logout",
        digest=keyed_digest(secret, f"username:{principal.username}"),
        user_id=principal.user_id,
        remote_addr="",
    )
    uow.commit()
    log.info("logout", extra={"user_id": principal.user_id})
    return name


class TokenSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A live API token of mine, never its secret (listApiTokens)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime | None


def create_api_token(
    uow: UnitOfWork, *, principal: Principal, name: str, valid_days: int | None
) -> IssuedToken:
    now = uow.now
    name = name.strip()
    if not name or len(name) > 100:
        raise InputInvalid("token name must be 1-100 characters", field="name")
    if valid_days is not None and not 1 <= valid_days <= 366:
        raise InputInvalid("valid_days must be between 1 and 366", field="valid_days")
    expires = now + timedelta(days=valid_days) if valid_days else None
    issued = _issue(uow, user_id=principal.user_id, kind=TokenKind.API, name=name, expires_at=expires)
    uow.commit()
    log.info("api token created", extra={"user_id": principal.user_id, "token_id": issued.id})
    return issued


def list_api_tokens(uow: UnitOfWork, *, principal: Principal) -> list[TokenSummary]:
    now = uow.now
    rows = uow.session.scalars(
        select(AuthToken)
        .where(
            col(AuthToken.user_id) == principal.user_id,
            col(AuthToken.kind) == TokenKind.API.value,
            col(AuthToken.revoked_at).is_(None),
        )
        .order_by(col(AuthToken.id))
    )
    live = [r for r in rows if r.expires_at is None or r.expires_at > now]
    return msgspec.convert(live, list[TokenSummary], from_attributes=True)


def revoke_api_token(uow: UnitOfWork, *, principal: Principal, token_id: int) -> None:
    now = uow.now
    row = uow.session.get(AuthToken, token_id)
    # another user's token is "not found": its existence is not ours to reveal
    if row is None or row.user_id != principal.user_id or row.kind != TokenKind.API.value or row.revoked_at:
        raise RecordNotFound(f"no API token {token_id}")
    row.revoked_at = now
    uow.commit()
    log.info("api token revoked", extra={"user_id": principal.user_id, "token_id": token_id})


def purge_expired_tokens(uow: UnitOfWork, *, keep: timedelta = timedelta(days=30)) -> int:
    now = uow.now
    result = uow.session.execute(
        delete(AuthToken).where(
            col(AuthToken.revoked_at).is_not(None), col(AuthToken.revoked_at) < now - keep
        )
    )
    uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE gives a CursorResult; the stubs say Result


def _admin_scope(principal: Principal, municipalities: Iterable[str]) -> None:
    if Role.ADMIN not in principal.roles:
        raise AccessDenied("this needs the admin role")
    outside = sorted(set(municipalities) - principal.municipalities)
    if outside:
        raise AccessDenied(
            f"you administer no users of municipality {', '.join(outside)}", field="municipalities"
        )


def create_user_as_admin(uow: UnitOfWork, *, principal: Principal, **user: Any) -> UserSummary:
    """An admin creates a user within their own municipalities only."""
    _admin_scope(principal, user.get("municipalities", ()))
    return add_user(uow, **user)


def disable_user_as_admin(uow: UnitOfWork, *, principal: Principal, user_id: int) -> UserSummary:
    """An admin disables a user all of whose municipalities they administer.

    A user of no shared municipality is "not found": not ours to know about. An admin's own
    account is another admin's to disable (on every entry point, the API as the pages):
    disabling it would end the session that asked and could leave a municipality with no one
    to administer it.
    """
    if user_id == principal.user_id:
        raise InputInvalid("you cannot disable yourself; another admin can", field="user_id")
    target = get_user(uow, user_id)
    if not set(target.municipalities) & principal.municipalities:
        raise RecordNotFound(f"no user {user_id}")
    _admin_scope(principal, target.municipalities)
    return disable_user(uow, user_id=user_id)


def principal_of_user(uow: UnitOfWork, username: str) -> Principal:
    """A user as use cases see them, for trusted in-process jobs (the demo loader) with no token."""
    user_id = uow.session.scalar(
        select(col(UserAccount.id)).where(
            col(UserAccount.username) == username, col(UserAccount.active).is_(True)
        )
    )
    if user_id is None:
        raise RecordNotFound(f"no active user {username!r}")
    profile = _load_profile(uow, user_id)
    return Principal(
        user_id=user_id,
        username=profile.username,
        display_name=profile.display_name,
        roles=profile.roles,
        municipalities=profile.municipalities,
        station_ids=profile.station_ids,
        counties=profile.counties,
        worker_id=profile.worker_id,
        language=profile.language,
        token_id=0,
        token_kind=TokenKind.API,
    )


LANGUAGES = ("fi", "sv", "en")


def set_language(
    uow: UnitOfWork, *, principal: Principal, language: str, profiles: ProfileCache | None = None
) -> None:
    """Store the user's language. This process sees it at once; others within
    the profile cache's lifetime (the pages also keep it in a cookie)."""
    if language not in LANGUAGES:
        raise InputInvalid("language must be fi, sv or en", field="language")
    user = uow.session.get(UserAccount, principal.user_id)
    if user is None:
        raise RecordNotFound(f"no user {principal.user_id}")
    user.language = language
    uow.commit()
    if profiles is not None:
        profiles.forget(principal.user_id)
