"""Municipalities and stations (organisational data, for any signed-in user)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from pydantic import BaseModel

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import service as organisations


class MunicipalityOut(BaseModel):
    code: str
    name_fi: str
    name_sv: str
    county_code: str
    county_name_fi: str
    county_name_sv: str
    plugin: str


class StationOut(BaseModel):
    id: int
    key: str
    municipality_code: str
    name_fi: str
    name_sv: str
    address: str
    kind: str
    booking_mode: str


@get(
    "/api/v1/municipalities",
    operation_id="listMunicipalities",
    tags=["organisation"],
    summary="Municipalities registered by the installed plugins",
    sync_to_thread=True,
)
def list_municipalities(
    uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime], county: FromQuery[str | None] = None
) -> list[MunicipalityOut]:
    registered = [m.code for m in runtime.plugins.municipalities.all()]
    return [
        MunicipalityOut(**vars(m))
        for m in organisations.list_municipalities(uow, registered=registered, county=county)
    ]


@get(
    "/api/v1/stations",
    operation_id="listStations",
    tags=["organisation"],
    summary="Active stations, optionally of one municipality",
    sync_to_thread=True,
)
def list_stations(
    uow: NamedDependency[UnitOfWork], municipality: FromQuery[str | None] = None
) -> list[StationOut]:
    return [StationOut(**vars(s)) for s in organisations.list_stations(uow, municipality=municipality)]


ROUTES = [list_municipalities, list_stations]


class WorkerOut(BaseModel):
    id: int
    display_name: str
    title: str
    languages: list[str]
    municipality_code: str
    user_id: int | None


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
) -> list[WorkerOut]:
    found = organisations.list_workers(
        uow, municipalities=principal.municipalities, municipality=municipality
    )
    return [WorkerOut(**{**vars(w), "languages": list(w.languages)}) for w in found]


ROUTES.append(list_workers)
