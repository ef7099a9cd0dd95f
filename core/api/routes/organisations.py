"""Municipalities and stations (organisational data, for any signed-in user)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from pydantic import BaseModel

from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import organisations


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
