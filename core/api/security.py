"""Authentication (session cookie or bearer token) and role guards."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from ..domain.accounts import Principal, Role
from ..domain.errors import AuthenticationFailed
from ..runtime import Runtime
from ..services import accounts

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


def _authenticate(runtime: Runtime, token: str) -> Principal:
    # a lookup and at most one write (the token's touch): statements that stand alone
    with runtime.uow(autocommit=True) as uow:
        return accounts.authenticate(
            uow,
            token=token,
            policy=runtime.settings.session_policy,
            now=runtime.clock.now(),
            profiles=runtime.profiles,
        )


class TokenAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = presented_token(connection)
        if not token:
            raise NotAuthorizedException("log in first (session cookie or bearer token)")
        runtime: Runtime = connection.app.state.runtime
        try:
            principal = await runtime.run_db(_authenticate, runtime, token)
        except AuthenticationFailed as exc:
            raise NotAuthorizedException(exc.detail) from exc
        return AuthenticationResult(user=principal, auth=principal.token_id)


def requires_role(*roles: Role) -> Any:
    """Guard: the caller holds at least one of ``roles``."""
    names = ", ".join(r.value for r in roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal) or not principal.has_any_role(*roles):
            raise PermissionDeniedException(f"this needs one of the roles: {names}")

    guard.__name__ = f"requires_role({names})"
    return guard
