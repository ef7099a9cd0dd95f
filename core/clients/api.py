"""Client records: register a client, find one by identity code."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from sotesilta.core.clients import service as clients
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork


class ClientIn(BaseModel):
    municipality: str = Field(min_length=3, max_length=3)
    name: str = Field(min_length=1, max_length=200)
    identity_code: str | None = Field(default=None, max_length=20, description="henkilötunnus, optional")
    phone: str | None = Field(default=None, max_length=40)
    language: str = Field(default="fi", pattern="^(fi|sv|en)$")


class IdentityQuery(BaseModel):
    identity_code: str = Field(min_length=1, max_length=20)


class ClientOut(BaseModel):
    id: int
    municipality_code: str
    name: str
    identity_code: str | None
    temporary_identity: bool = Field(description="individual number 900-999: a temporary or test code")
    phone: str | None
    language: str


@post(
    "/api/v1/clients",
    operation_id="createClient",
    tags=["clients"],
    status_code=201,
    summary="Register a client (sealed at rest; identity code validated)",
    sync_to_thread=True,
)
def create_client(
    data: JSONBody[ClientIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> ClientOut:
    view = clients.create_client(
        uow,
        principal=principal,
        municipality=data.municipality,
        name=data.name,
        identity_code=data.identity_code,
        phone=data.phone,
        language=data.language,
        index_key=runtime.index_key,
    )
    return ClientOut(**vars(view))


@post(
    "/api/v1/clients/search",
    operation_id="findClientByIdentityCode",
    tags=["clients"],
    status_code=200,
    summary="Find a client by identity code (sent in the body: never in a URL or log)",
    sync_to_thread=True,
)
def find_client_by_identity_code(
    data: JSONBody[IdentityQuery],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> ClientOut:
    view = clients.find_client_by_identity_code(
        uow,
        principal=principal,
        identity_code=data.identity_code,
        index_key=runtime.index_key,
    )
    return ClientOut(**vars(view))


ROUTES = [create_client, find_client_by_identity_code]
