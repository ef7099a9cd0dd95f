"""Walk-in queue of a guidance session."""

from __future__ import annotations

from datetime import datetime

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import Referrer
from sotesilta.core.scheduling.service import walk_ins


class WalkInIn(BaseModel):
    referrer: Referrer = Referrer.SELF


class QueueEntryOut(BaseModel):
    place_id: int
    number: int
    status: str
    referrer: str | None
    registered_at: datetime | None
    called_at: datetime | None


class QueueOut(BaseModel):
    session_id: int
    capacity: int
    free: int
    entries: list[QueueEntryOut]


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
) -> QueueEntryOut:
    entry = walk_ins.register_walk_in(uow, principal=principal, session_id=session_id, referrer=data.referrer)
    return QueueEntryOut(**vars(entry))


@get(
    "/api/v1/sessions/{session_id:int}/walk-ins",
    operation_id="getWalkInQueue",
    tags=["walk-in"],
    summary="The current walk-in queue",
    sync_to_thread=True,
)
def get_walk_in_queue(
    session_id: FromPath[int], principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> QueueOut:
    queue = walk_ins.walk_in_queue(uow, principal=principal, session_id=session_id)
    return QueueOut(
        session_id=queue.session_id,
        capacity=queue.capacity,
        free=queue.free,
        entries=[QueueEntryOut(**vars(e)) for e in queue.entries],
    )


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
) -> QueueEntryOut:
    return QueueEntryOut(**vars(walk_ins.call_next_walk_in(uow, principal=principal, session_id=session_id)))


ROUTES = [register_walk_in, get_walk_in_queue, call_next_walk_in]
