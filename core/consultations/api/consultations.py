"""Consultations (anonymous by default, named under consent)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from sotesilta.core.consultations import service as consultations
from sotesilta.core.consultations.service import Channel
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork


class ConsultationIn(msgspec.Struct, kw_only=True):
    municipality: Annotated[
        str, msgspec.Meta(min_length=3, max_length=3, description="whose social care is consulted")
    ]
    channel: Channel
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    client_id: (
        Annotated[int, msgspec.Meta(description="name the client: needs a named_consultation consent")] | None
    ) = None
    to_worker_id: int | None = None


class MessageIn(msgspec.Struct, kw_only=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


@post(
    "/api/v1/consultations",
    operation_id="createConsultation",
    tags=["consultations"],
    status_code=201,
    summary="Consult social care; anonymous unless client_id is given under consent",
    sync_to_thread=True,
)
def create_consultation(
    data: JSONBody[ConsultationIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> consultations.ConsultationView:
    return consultations.create_consultation(
        uow,
        principal=principal,
        municipality=data.municipality,
        channel=data.channel,
        question=data.question,
        client_id=data.client_id,
        to_worker_id=data.to_worker_id,
    )


@post(
    "/api/v1/consultations/{consultation_id:int}/messages",
    operation_id="postConsultationMessage",
    tags=["consultations"],
    status_code=201,
    summary="Write in a consultation's thread",
    sync_to_thread=True,
)
def post_consultation_message(
    consultation_id: FromPath[int],
    data: JSONBody[MessageIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> consultations.MessageView:
    return consultations.post_message(
        uow,
        principal=principal,
        consultation_id=consultation_id,
        body=data.body,
    )


@get(
    "/api/v1/consultations/{consultation_id:int}/messages",
    operation_id="listConsultationMessages",
    tags=["consultations"],
    summary="The thread, with how many messages were unread",
    sync_to_thread=True,
)
def list_consultation_messages(
    consultation_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> consultations.ConsultationView:
    return consultations.read_thread(
        uow,
        principal=principal,
        consultation_id=consultation_id,
    )


@get(
    "/api/v1/consultations/unread",
    operation_id="getUnreadConsultations",
    tags=["consultations"],
    summary="Unread message counts per consultation (poll this)",
    sync_to_thread=True,
)
def get_unread_consultations(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> dict[str, int]:
    return {str(k): v for k, v in consultations.unread_counts(uow, principal=principal).items()}


@get(
    "/api/v1/consultations",
    operation_id="listConsultations",
    tags=["consultations"],
    summary="Consultations I asked, or (social care) my municipalities'; unanswered first",
    sync_to_thread=True,
)
def list_consultations(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    unanswered: FromQuery[bool] = False,
    limit: FromQuery[int] = 50,
) -> list[consultations.ConsultationView]:
    return consultations.list_consultations(uow, principal=principal, unanswered_only=unanswered, limit=limit)


ROUTES = [
    list_consultations,
    create_consultation,
    post_consultation_message,
    list_consultation_messages,
    get_unread_consultations,
]
