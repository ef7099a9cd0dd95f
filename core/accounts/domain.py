"""Staff accounts: roles, usernames, password policy, session lifetimes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.principals import Principal, Role, TokenKind

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
MIN_PASSWORD_LENGTH = 12


def validate_username(username: str) -> str:
    normalised = username.strip().lower()
    if not _USERNAME.match(normalised):
        raise InputInvalid(
            "username must be 3-64 characters: letters a-z, digits, '.', '_', '@' or '-'",
            field="username",
        )
    return normalised


def validate_password(password: str) -> None:
    # Length over composition rules (NIST SP 800-63B); the upper bound stops
    # hashing-cost abuse.
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputInvalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > 1024:
        raise InputInvalid("password is too long", field="password")


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_lifetime: timedelta = timedelta(hours=12)
    #: failures of one username from one address: that address may no longer try it
    max_failed_logins: int = 5
    #: failures from one address, whatever the usernames: password spraying
    max_failed_per_address: int = 20
    #: failures of one username from every address together: a guess spread over many
    #: addresses. Above the per-address limit on purpose: locking a known admin out
    #: takes several addresses, and her own address is never the one locked by another's.
    max_failed_per_username: int = 50
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def token_is_live(
    *,
    kind: TokenKind,
    now: datetime,
    created_at: datetime,
    last_used_at: datetime,
    expires_at: datetime | None,
    revoked_at: datetime | None,
    policy: SessionPolicy,
) -> bool:
    """Whether a token may still authenticate at ``now``."""
    if revoked_at is not None:
        return False
    if expires_at is not None and now >= expires_at:
        return False
    if kind is TokenKind.SESSION:
        if now >= created_at + policy.absolute_lifetime:
            return False
        if now >= last_used_at + policy.idle_timeout:
            return False
    return True


@dataclass(frozen=True)
class GrantedByGroups:
    """What a user's groups give her under a provider's mapping."""

    roles: frozenset[str]
    municipalities: frozenset[str]
    stations: frozenset[str]


def granted_by_groups(
    groups: Iterable[str],
    *,
    roles: Mapping[str, Iterable[str]],
    municipalities: Mapping[str, Iterable[str]],
    stations: Mapping[str, Iterable[str]],
) -> GrantedByGroups:
    """The union of what each of ``groups`` is mapped to; a group not in a mapping gives nothing
    (so a group the county removes takes away exactly what it gave)."""
    held = set(groups)

    def union(mapping: Mapping[str, Iterable[str]]) -> frozenset[str]:
        return frozenset(value for group, values in mapping.items() if group in held for value in values)

    return GrantedByGroups(union(roles), union(municipalities), union(stations))


def claimed_groups(value: object) -> tuple[str, ...]:
    """A groups claim as a provider sends it: a list of strings, or one string (AD FS sends a
    single group so); anything else gives no groups."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def home_of(principal: Principal) -> str:
    """A signed-in person's own start page, by role."""
    if principal.has_any_role(Role.INSTRUCTOR):
        return "/work"
    if principal.has_any_role(Role.HEALTH_STAFF):
        return "/book"
    if principal.has_any_role(Role.MANAGER):
        return "/statistics"
    return "/admin"  # every account has a role: here, the administrator
