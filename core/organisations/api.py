"""Municipalities and stations (organisational data, for any signed-in user)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import service as organisations


@get(
    "/api/v1/municipalities",
    operation_id="listMunicipalities",
    tags=["organisation"],
    summary="Municipalities registered by the installed plugins",
    sync_to_thread=True,
)
def list_municipalities(
    uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime], county: FromQuery[str | None] = None
) -> list[organisations.MunicipalityView]:
    registered = [m.code for m in runtime.plugins.municipalities.all()]
    return organisations.list_municipalities(uow, registered=registered, county=county)


@get(
    "/api/v1/stations",
    operation_id="listStations",
    tags=["organisation"],
    summary="Active stations, optionally of one municipality",
    sync_to_thread=True,
)
def list_stations(
    uow: NamedDependency[UnitOfWork], municipality: FromQuery[str | None] = None
) -> list[organisations.StationView]:
    return organisations.list_stations(uow, municipality=municipality)


ROUTES = [list_municipalities, list_stations]


@get(
    "/api/v1/workers",
    operation_id="listWorkers",
    tags=["organisation"],
    summary="Professionals of my municipalities (for session rules and absences)",
    sync_to_thread=True,
)
def list_workers(
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
    municipality: FromQuery[str | None] = None,
) -> list[organisations.WorkerView]:
    return organisations.list_workers(uow, municipalities=principal.municipalities, municipality=municipality)


ROUTES.append(list_workers)
