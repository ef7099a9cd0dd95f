"""Replacing a station, closing it included (``updateStation``): here, not in organisations,
because closing a station cancels its sessions and bookings."""

from __future__ import annotations

from typing import Annotated

from litestar import put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.organisations.public import StationDraft, StationView
from sotesilta.core.scheduling.service import stations


@put(
    "/api/v1/stations/{station_id:int}",
    operation_id="updateStation",
    tags=["admin"],
    guards=ADMINS,
    summary="Replace a station; `active: false` closes it, cancelling its later sessions and rules",
    description="A station with booked visits ahead is closed only with `rebook=true`, which cancels "
    "them onto the bookers' times to rebook; without it the answer is 409 `station-has-bookings` "
    "listing them (`bookings`: ids and times).",
    sync_to_thread=True,
)
def update_station(
    station_id: FromPath[int],
    data: JSONBody[StationDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
    rebook: Annotated[
        bool, QueryParameter(description="send the booked visits ahead to the bookers' times to rebook")
    ] = False,
) -> StationView:
    return stations.update_station_checked(
        uow, by=principal, station_id=station_id, draft=data, rebook=rebook
    )


ROUTES = [update_station]
