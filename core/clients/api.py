"""Client records: register a client, find one by identity code."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sotesilta.core.clients import service as clients
from sotesilta.core.clients.access import AccessReasonIn
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork


class ClientRecordIn(msgspec.Struct, kw_only=True):
    municipality: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    identity_code: (
        Annotated[str, msgspec.Meta(max_length=20, description="henkilötunnus, optional")] | None
    ) = None
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    language: Annotated[str, msgspec.Meta(pattern="^(fi|sv|en)$")] = "fi"


class IdentityQuery(msgspec.Struct, kw_only=True):
    identity_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    #: needed when the user has no client relationship with the person (see docs/api.md)
    access_reason: AccessReasonIn | None = None


@post(
    "/api/v1/clients",
    operation_id="createClient",
    tags=["clients"],
    status_code=201,
    summary="Register a client (sealed at rest; identity code validated)",
    sync_to_thread=True,
)
def create_client(
    data: JSONBody[ClientRecordIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> clients.ClientRecordView:
    return clients.create_client(
        uow,
        principal=principal,
        municipality=data.municipality,
        name=data.name,
        identity_code=data.identity_code,
        phone=data.phone,
        language=data.language,
        index_key=runtime.index_key,
    )


@post(
    "/api/v1/clients/search",
    operation_id="findClientByIdentityCode",
    tags=["clients"],
    status_code=200,
    summary="Find a client by identity code (sent in the body: never in a URL or log); "
    "without a client relationship, state an access_reason",
    sync_to_thread=True,
)
def find_client_by_identity_code(
    data: JSONBody[IdentityQuery],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> clients.ClientRecordView:
    return clients.find_client_by_identity_code(
        uow,
        principal=principal,
        identity_code=data.identity_code,
        index_key=runtime.index_key,
        reason=data.access_reason.reason() if data.access_reason else None,
    )


ROUTES = [create_client, find_client_by_identity_code]
