"""Login, logout, the current user and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.params import FromPath, JSONBody

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.errors import AuthenticationFailed
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.problems import problem_responses
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH, SESSION_COOKIE, presented_token


class LoginRequest(msgspec.Struct, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class LoginResult(msgspec.Struct, frozen=True, kw_only=True):
    """The session login opened, as a bearer token (built from the issued token, plus its scheme)."""

    token: Annotated[
        str, msgspec.Meta(description="Bearer token for API clients; the same session as the cookie")
    ]
    token_type: str = "Bearer"  # noqa: S105  (a scheme name, not a secret)
    expires_at: datetime | None


class Me(msgspec.Struct, frozen=True, kw_only=True):
    """The current user: the admin's view of a user without ``active`` (a signed-in user is)."""

    id: int
    username: str
    display_name: str
    language: str
    roles: tuple[str, ...]
    municipalities: tuple[str, ...]
    stations: Annotated[tuple[str, ...], msgspec.Meta(description="station keys")]


class TokenRequest(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="e.g. 'reporting script'")]
    valid_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = None


def _client_addr(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


@post(
    "/api/v1/auth/login",
    operation_id="login",
    opt={EXCLUDE_FROM_AUTH: True},
    tags=["auth"],
    summary="Log in: sets a session cookie and returns the same session as a bearer token",
    sync_to_thread=True,
    status_code=200,
    # a wrong username or password, and too many of them
    responses=problem_responses(401, 429),
)
def login(
    request: Request[Any, Any, Any],
    data: JSONBody[LoginRequest],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[LoginResult]:
    issued = accounts.login(
        uow,
        username=data.username,
        password=data.password,
        secret=runtime.secret,
        policy=runtime.settings.session_policy,
        remote_addr=_client_addr(request),
        password_off_counties=runtime.settings.password_off_counties,
    )
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=issued.token,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        path="/",
        max_age=int(runtime.settings.session_policy.absolute_lifetime.total_seconds()),
    )
    return Response(msgspec.convert(issued, LoginResult, from_attributes=True), cookies=[cookie])


@post(
    "/api/v1/auth/logout",
    operation_id="logout",
    tags=["auth"],
    status_code=204,
    summary="Log out: revokes the presented session (or API token)",
    sync_to_thread=True,
    # the cookie is cleared here, not in a Response: so the document's 204 has no body
    response_cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")],
)
def logout(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> None:
    accounts.logout(uow, principal=principal, secret=runtime.secret)


@get("/api/v1/me", operation_id="getMe", tags=["auth"], summary="The current user", sync_to_thread=True)
def get_me(principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]) -> Me:
    return msgspec.convert(accounts.get_user(uow, principal.user_id), Me, from_attributes=True)


@post(
    "/api/v1/me/tokens",
    operation_id="createApiToken",
    tags=["auth"],
    status_code=201,
    summary="Create a personal API token",
    sync_to_thread=True,
)
def create_api_token(
    data: JSONBody[TokenRequest],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> accounts.IssuedToken:
    return accounts.create_api_token(uow, principal=principal, name=data.name, valid_days=data.valid_days)


@get(
    "/api/v1/me/tokens",
    operation_id="listApiTokens",
    tags=["auth"],
    summary="My live API tokens (never their secrets)",
    sync_to_thread=True,
)
def list_api_tokens(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> list[accounts.TokenSummary]:
    return accounts.list_api_tokens(uow, principal=principal)


@delete(
    "/api/v1/me/tokens/{token_id:int}",
    operation_id="revokeApiToken",
    tags=["auth"],
    summary="Revoke one of my API tokens",
    sync_to_thread=True,
)
def revoke_api_token(
    token_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> None:
    accounts.revoke_api_token(uow, principal=principal, token_id=token_id)


ROUTES = [login, logout, get_me, create_api_token, list_api_tokens, revoke_api_token]


def _authenticate(runtime: Runtime, token: str) -> Principal:
    # a lookup and at most one write (the token's touch): statements that stand alone
    with runtime.uow(autocommit=True) as uow:
        return accounts.authenticate(
            uow,
            token=token,
            policy=runtime.settings.session_policy,
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
