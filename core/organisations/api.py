"""Municipalities, stations and workers for any signed-in user; the county's units, stations
and workers maintained by its admins (``updateStation`` is scheduling's: closing a station
cancels its sessions)."""

from __future__ import annotations

from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
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


# --- administration: the county's units, stations and workers ---------------------------


@get(
    "/api/v1/counties",
    operation_id="listCounties",
    tags=["admin"],
    guards=ADMINS,
    summary="My wellbeing services county, with its municipalities",
    sync_to_thread=True,
)
def list_counties(
    uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
) -> list[organisations.CountyView]:
    return organisations.list_counties(uow, principal=principal)


@get(
    "/api/v1/units",
    operation_id="listUnits",
    tags=["admin"],
    guards=ADMINS,
    summary="The units of my county, closed ones too",
    sync_to_thread=True,
)
def list_units(
    uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
) -> list[organisations.UnitView]:
    return organisations.list_units(uow, counties=principal.counties)


@post(
    "/api/v1/units",
    operation_id="createUnit",
    tags=["admin"],
    guards=ADMINS,
    summary="Add a unit to my county (logged with who and when)",
    sync_to_thread=True,
)
def create_unit(
    data: JSONBody[organisations.UnitDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
) -> organisations.UnitView:
    return organisations.create_unit(uow, by=principal, draft=data)


@put(
    "/api/v1/units/{unit_id:int}",
    operation_id="updateUnit",
    tags=["admin"],
    guards=ADMINS,
    summary="Replace a unit; `active: false` closes it once no active worker is left in it",
    sync_to_thread=True,
)
def update_unit(
    unit_id: FromPath[int],
    data: JSONBody[organisations.UnitDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
) -> organisations.UnitView:
    return organisations.update_unit(uow, by=principal, unit_id=unit_id, draft=data)


@post(
    "/api/v1/stations",
    operation_id="createStation",
    tags=["admin"],
    guards=ADMINS,
    summary="Add a station in a municipality of my county (logged with who and when)",
    sync_to_thread=True,
)
def create_station(
    data: JSONBody[organisations.StationDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
) -> organisations.StationView:
    return organisations.create_station(uow, by=principal, draft=data)


@post(
    "/api/v1/workers",
    operation_id="createWorker",
    tags=["admin"],
    guards=ADMINS,
    summary="Add a worker to a unit of my county, optionally linked to their user",
    sync_to_thread=True,
)
def create_worker(
    data: JSONBody[organisations.WorkerDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
) -> organisations.WorkerView:
    return organisations.create_worker(uow, by=principal, draft=data)


@put(
    "/api/v1/workers/{worker_id:int}",
    operation_id="updateWorker",
    tags=["admin"],
    guards=ADMINS,
    summary="Replace a worker: unit, municipalities, stations, linked user, active",
    sync_to_thread=True,
)
def update_worker(
    worker_id: FromPath[int],
    data: JSONBody[organisations.WorkerDraft],
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
) -> organisations.WorkerView:
    return organisations.update_worker(uow, by=principal, worker_id=worker_id, draft=data)


ROUTES += [list_counties, list_units, create_unit, update_unit, create_station, create_worker, update_worker]
