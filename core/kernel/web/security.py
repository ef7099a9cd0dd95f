"""Authentication (session cookie or bearer token) and role guards."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from sotesilta.core.kernel.principals import Principal, Role

SESSION_COOKIE = "sotesilta_session"
#: handlers with ``opt={EXCLUDE_FROM_AUTH: True}`` are public
EXCLUDE_FROM_AUTH = "exclude_from_auth"


def presented_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthorizedException("use 'Authorization: Bearer <token>'")
        return value.strip()
    return connection.cookies.get(SESSION_COOKIE)


def requires_role(*roles: Role) -> Any:
    """Guard: the caller holds at least one of ``roles``."""
    names = ", ".join(r.value for r in roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal) or not principal.has_any_role(*roles):
            raise PermissionDeniedException(f"this needs one of the roles: {names}")

    guard.__name__ = f"requires_role({names})"
    return guard
