"""Use cases for the organisation model: counties, municipalities, stations, workers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..domain.errors import InputInvalid
from ..persistence.tables import County, Municipality, Station
from ..persistence.uow import UnitOfWork
from ..plugins.registry import MunicipalityRegistry


@dataclass(frozen=True)
class SyncReport:
    counties: int
    municipalities: int
    stations: int


def sync_registry(uow: UnitOfWork, registry: MunicipalityRegistry) -> SyncReport:
    """Bring the database in line with what the installed plugins register.

    Idempotent and safe to run from several instances: rows are upserted by
    their natural keys; a station dropped by its plugin is marked inactive,
    never deleted (bookings will refer to it).
    """
    session = uow.session
    seen_counties: set[str] = set()
    seen_stations: set[str] = set()
    for profile in registry.all():
        county = profile.county
        if county.code not in seen_counties:
            seen_counties.add(county.code)
            row = session.get(County, county.code) or County(code=county.code, name_fi="", name_sv="")
            row.name_fi, row.name_sv = county.name_fi, county.name_sv
            session.add(row)
        municipality = session.get(Municipality, profile.code) or Municipality(
            code=profile.code, name_fi="", name_sv="", county_code=county.code, plugin=""
        )
        municipality.name_fi, municipality.name_sv = profile.name_fi, profile.name_sv
        municipality.county_code = county.code
        municipality.plugin = registry.plugin_of(profile.code) or ""
        session.add(municipality)
        session.flush()
        for station in profile.stations:
            seen_stations.add(station.key)
            row_s = session.scalar(select(Station).where(Station.key == station.key)) or Station(
                key=station.key,
                municipality_code=profile.code,
                name_fi="",
                name_sv="",
                address="",
                kind="",
                booking_mode="",
            )
            row_s.municipality_code = profile.code
            row_s.name_fi, row_s.name_sv = station.name_fi, station.name_sv
            row_s.address = station.address
            row_s.kind, row_s.booking_mode = station.kind.value, station.booking_mode.value
            row_s.active = True
            session.add(row_s)
    registered_codes = [m.code for m in registry.all()]
    for stale in session.scalars(
        select(Station).where(Station.municipality_code.in_(registered_codes), Station.active.is_(True))
    ):
        if stale.key not in seen_stations:
            stale.active = False
    uow.commit()
    return SyncReport(len(seen_counties), len(registry), len(seen_stations))


@dataclass(frozen=True)
class MunicipalityView:
    code: str
    name_fi: str
    name_sv: str
    county_code: str
    county_name_fi: str
    county_name_sv: str
    plugin: str


def list_municipalities(uow: UnitOfWork, *, county: str | None = None) -> list[MunicipalityView]:
    query = (
        select(Municipality, County)
        .join(County, County.code == Municipality.county_code)
        .order_by(Municipality.code)
    )
    if county is not None:
        query = query.where(Municipality.county_code == county)
    return [
        MunicipalityView(m.code, m.name_fi, m.name_sv, c.code, c.name_fi, c.name_sv, m.plugin)
        for m, c in uow.session.execute(query)
    ]


@dataclass(frozen=True)
class StationView:
    id: int
    key: str
    municipality_code: str
    name_fi: str
    name_sv: str
    address: str
    kind: str
    booking_mode: str


def list_stations(uow: UnitOfWork, *, municipality: str | None = None) -> list[StationView]:
    if municipality is not None and not (len(municipality) == 3 and municipality.isdigit()):
        raise InputInvalid("municipality must be a three-digit code, e.g. 049", field="municipality")
    query = select(Station).where(Station.active.is_(True)).order_by(Station.municipality_code, Station.key)
    if municipality is not None:
        query = query.where(Station.municipality_code == municipality)
    return [
        StationView(
            s.id or 0, s.key, s.municipality_code, s.name_fi, s.name_sv, s.address, s.kind, s.booking_mode
        )
        for s in uow.session.scalars(query)
    ]
