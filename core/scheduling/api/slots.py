"""Finding free slots and holding one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from sotesilta.core.kernel.clock import require_aware
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.service import slots
from sotesilta.core.scheduling.service.slots import FreeSlot, Hold, SearchScope


@get(
    "/api/v1/slots/free",
    operation_id="listFreeSlots",
    tags=["booking"],
    summary="The soonest free slots at a station, nearby, or anywhere in the municipality",
)
async def list_free_slots(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    municipality: FromQuery[str],
    station_id: FromQuery[int | None] = None,
    search_scope: Annotated[SearchScope, QueryParameter(name="scope")] = SearchScope.STATION,
    language: FromQuery[str | None] = None,
    mode: FromQuery[str | None] = None,
    worker_id: FromQuery[int | None] = None,
    start: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    limit: FromQuery[int] = 20,
) -> list[FreeSlot]:
    return await runtime.run_db(
        slots.find_free_slots,
        uow,
        principal=principal,
        municipality=municipality,
        station_id=station_id,
        scope=search_scope,
        language=language,
        mode=mode,
        worker_id=worker_id,
        start=require_aware(start, "start"),
        until=require_aware(until, "until"),
        limit=limit,
    )


@post(
    "/api/v1/slots/{slot_id:int}/hold",
    operation_id="holdSlot",
    tags=["booking"],
    status_code=201,
    summary="Hold a slot for a few minutes while the booking form is filled",
    sync_to_thread=True,
)
def hold_slot(
    slot_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Hold:
    return slots.hold_slot(uow, principal=principal, slot_id=slot_id, duration=runtime.settings.hold_duration)


ROUTES = [list_free_slots, hold_slot]
