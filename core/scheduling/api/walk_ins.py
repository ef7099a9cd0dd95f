"""Walk-in queue of a guidance session."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import Referrer
from sotesilta.core.scheduling.service import walk_ins
from sotesilta.core.scheduling.service.walk_ins import Queue, QueueEntry


class WalkInIn(msgspec.Struct):
    referrer: Referrer = Referrer.SELF
    #: codes from the municipality's reason list (``guidance_reason``), as for a booking
    reasons: Annotated[list[str], Meta(max_length=20)] = msgspec.field(default_factory=list)
    preferred_language: str = "fi"


@post(
    "/api/v1/sessions/{session_id:int}/walk-ins",
    operation_id="registerWalkIn",
    tags=["walk-in"],
    status_code=201,
    summary="Register an arrival; returns the queue number",
    sync_to_thread=True,
)
def register_walk_in(
    session_id: FromPath[int],
    data: JSONBody[WalkInIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> QueueEntry:
    return walk_ins.register_walk_in(
        uow,
        principal=principal,
        session_id=session_id,
        referrer=data.referrer,
        reasons=data.reasons,
        preferred_language=data.preferred_language,
    )


@get(
    "/api/v1/sessions/{session_id:int}/walk-ins",
    operation_id="getWalkInQueue",
    tags=["walk-in"],
    summary="The current walk-in queue",
    sync_to_thread=True,
)
def get_walk_in_queue(
    session_id: FromPath[int], principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> Queue:
    return walk_ins.walk_in_queue(uow, principal=principal, session_id=session_id)


@post(
    "/api/v1/sessions/{session_id:int}/walk-ins/call-next",
    operation_id="callNextWalkIn",
    tags=["walk-in"],
    status_code=200,
    summary="Call the next waiting number",
    sync_to_thread=True,
)
def call_next_walk_in(
    session_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> QueueEntry:
    return walk_ins.call_next_walk_in(uow, principal=principal, session_id=session_id)


@post(
    "/api/v1/sessions/{session_id:int}/walk-ins/{place_id:int}/return-to-queue",
    operation_id="returnWalkInToQueue",
    tags=["walk-in"],
    status_code=200,
    summary="A called client did not answer: back in the queue, behind those waiting",
    sync_to_thread=True,
)
def return_walk_in_to_queue(
    session_id: FromPath[int],
    place_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> QueueEntry:
    return walk_ins.return_to_queue(uow, principal=principal, session_id=session_id, place_id=place_id)


ROUTES = [register_walk_in, get_walk_in_queue, call_next_walk_in, return_walk_in_to_queue]
