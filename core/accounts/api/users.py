"""User administration (admins, within their own municipalities)."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, Field

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.security import requires_role


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[str] = Field(min_length=1)
    municipalities: list[str] = Field(min_length=1)
    stations: list[str] = Field(default_factory=list, description="station keys")
    language: str = "fi"


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    language: str
    active: bool
    roles: list[str]
    municipalities: list[str]
    stations: list[str]


def _out(user: accounts.UserSummary) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        active=user.active,
        roles=list(user.roles),
        municipalities=list(user.municipalities),
        stations=list(user.station_keys),
    )


ADMIN_ONLY = [requires_role(Role.ADMIN)]


@get(
    "/api/v1/users",
    operation_id="listUsers",
    tags=["admin"],
    guards=ADMIN_ONLY,
    summary="Users sharing a municipality with the admin",
    sync_to_thread=True,
)
def list_users(principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]) -> list[UserOut]:
    return [_out(u) for u in accounts.list_users(uow, municipalities=principal.municipalities)]


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
) -> UserOut:
    user = accounts.create_user_as_admin(
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
    return _out(user)


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
) -> UserOut:
    return _out(accounts.disable_user_as_admin(uow, principal=principal, user_id=user_id))


ROUTES = [list_users, create_user, disable_user]
