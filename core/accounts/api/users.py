"""User administration (admins, within their own municipalities)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.security import requires_role


class UserIn(msgspec.Struct, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=3, max_length=64)]
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    roles: Annotated[list[str], msgspec.Meta(min_length=1)]
    municipalities: Annotated[list[str], msgspec.Meta(min_length=1)]
    stations: Annotated[list[str], msgspec.Meta(description="station keys")] = msgspec.field(
        default_factory=list
    )
    language: str = "fi"


ADMIN_ONLY = [requires_role(Role.ADMIN)]


@get(
    "/api/v1/users",
    operation_id="listUsers",
    tags=["admin"],
    guards=ADMIN_ONLY,
    summary="Users sharing a municipality with the admin",
    sync_to_thread=True,
)
def list_users(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> list[accounts.UserSummary]:
    return accounts.list_users(uow, municipalities=principal.municipalities)


@post(
    "/api/v1/users",
    operation_id="createUser",
    tags=["admin"],
    guards=ADMIN_ONLY,
    summary="Create a user in the admin's municipalities",
    sync_to_thread=True,
)
def create_user(
    data: JSONBody[UserIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> accounts.UserSummary:
    return accounts.create_user_as_admin(
        uow,
        principal=principal,
        username=data.username,
        display_name=data.display_name,
        password=data.password,
        roles=data.roles,
        municipalities=data.municipalities,
        station_keys=data.stations,
        language=data.language,
    )


@post(
    "/api/v1/users/{user_id:int}/disable",
    operation_id="disableUser",
    tags=["admin"],
    guards=ADMIN_ONLY,
    summary="Disable a user and revoke all their sessions and tokens",
    sync_to_thread=True,
    status_code=200,
)
def disable_user(
    user_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> accounts.UserSummary:
    return accounts.disable_user_as_admin(uow, principal=principal, user_id=user_id)


ROUTES = [list_users, create_user, disable_user]
