"""Who is asking: a signed-in staff member's roles and scope, as every use case sees them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    HEALTH_STAFF = "health_staff"  # nurses and doctors at a health station
    INSTRUCTOR = "instructor"  # social instructor, social worker, psychiatric nurse
    MANAGER = "manager"  # reads statistics: numbers, never people
    ADMIN = "admin"  # manages accounts and organisation, not client content


class TokenKind(StrEnum):
    SESSION = "session"  # from a login: idle timeout and absolute lifetime
    API = "api"  # personal API token: revocable, optional expiry, no idle timeout


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member, as use cases see them."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    municipalities: frozenset[str]
    station_ids: frozenset[int]
    language: str
    token_id: int
    token_kind: TokenKind
    #: the wellbeing services county of the person's municipalities (one, for staff)
    counties: frozenset[str] = frozenset()
    #: the person's own worker record, when they receive clients
    worker_id: int | None = None

    def has_any_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))
