"""Use cases for the organisation model: counties, municipalities, stations, workers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import msgspec
from sqlalchemy import select, update
from sqlmodel import col

from sotesilta.core.kernel.errors import AccessDenied, InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.upsert import upsert
from sotesilta.core.organisations.tables import County, Municipality, Station, Worker


@dataclass(frozen=True)
class SyncReport:
    counties: int
    municipalities: int
    stations: int


def sync_registry(uow: UnitOfWork) -> SyncReport:
    """Bring the database in line with what the installed plugins register.

    Idempotent and safe to run from several instances at once: rows are
    upserted by their natural keys in single statements. A station dropped by
    its plugin is marked inactive, never deleted (bookings refer to it).
    """
    registry = uow.plugins.municipalities
    session = uow.session
    counties = {p.county.code: p.county for p in registry.all()}
    for county in counties.values():
        upsert(
            session,
            County,
            {"code": county.code, "name_fi": county.name_fi, "name_sv": county.name_sv},
            ["code"],
        )
    station_keys: set[str] = set()
    for profile in registry.all():
        upsert(
            session,
            Municipality,
            {
                "code": profile.code,
                "name_fi": profile.name_fi,
                "name_sv": profile.name_sv,
                "county_code": profile.county.code,
                "plugin": registry.plugin_of(profile.code) or "",
            },
            ["code"],
        )
        for station in profile.stations:
            station_keys.add(station.key)
            upsert(
                session,
                Station,
                {
                    "key": station.key,
                    "municipality_code": profile.code,
                    "name_fi": station.name_fi,
                    "name_sv": station.name_sv,
                    "address": station.address,
                    "kind": station.kind.value,
                    "booking_mode": station.booking_mode.value,
                    "active": True,
                },
                ["key"],
            )
    # stations no plugin registers any more (including a blocked plugin's) rest
    session.execute(
        update(Station)
        .where(col(Station.key).not_in(station_keys), col(Station.active).is_(True))
        .values(active=False)
    )
    uow.commit()
    return SyncReport(len(counties), len(registry), len(station_keys))


class MunicipalityView(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_fi: str
    name_sv: str
    county_code: str
    county_name_fi: str
    county_name_sv: str
    plugin: str


def list_municipalities(
    uow: UnitOfWork, *, registered: Collection[str], county: str | None = None
) -> list[MunicipalityView]:
    """Municipalities the installed plugins register (a blocked plugin's are left out)."""
    query = (
        select(Municipality, County)
        .join(County, col(County.code) == col(Municipality.county_code))
        .where(col(Municipality.code).in_(list(registered)))
        .order_by(col(Municipality.code))
    )
    if county is not None:
        query = query.where(col(Municipality.county_code) == county)
    return [
        MunicipalityView(
            code=m.code,
            name_fi=m.name_fi,
            name_sv=m.name_sv,
            county_code=c.code,
            county_name_fi=c.name_fi,
            county_name_sv=c.name_sv,
            plugin=m.plugin,
        )
        for m, c in uow.session.execute(query)
    ]


class StationView(msgspec.Struct, frozen=True, kw_only=True):
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
    query = (
        select(Station)
        .where(col(Station.active).is_(True))
        .order_by(col(Station.municipality_code), col(Station.key))
    )
    if municipality is not None:
        query = query.where(col(Station.municipality_code) == municipality)
    return msgspec.convert(list(uow.session.scalars(query)), list[StationView], from_attributes=True)


class WorkerView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    display_name: str
    title: str
    languages: tuple[str, ...]
    municipality_code: str
    user_id: int | None


def list_workers(
    uow: UnitOfWork, *, municipalities: Collection[str], municipality: str | None = None
) -> list[WorkerView]:
    """Professionals of the caller's municipalities (staff names are not client data)."""
    codes = [municipality] if municipality is not None else list(municipalities)
    if municipality is not None and municipality not in municipalities:
        return []
    query = (
        select(Worker)
        .where(col(Worker.municipality_code).in_(codes))
        .order_by(col(Worker.display_name), col(Worker.id))
    )
    return [
        WorkerView(
            id=w.id or 0,
            display_name=w.display_name,
            title=w.title,
            languages=tuple(w.languages.split(",")),
            municipality_code=w.municipality_code,
            user_id=w.user_id,
        )
        for w in uow.session.scalars(query)
    ]


def station_in_scope(uow: UnitOfWork, principal: Principal, station_id: int) -> Station:
    station = uow.session.get(Station, station_id)
    if station is None or station.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no station {station_id}")
    return station


def worker_in_scope(uow: UnitOfWork, principal: Principal, worker_id: int) -> Worker:
    worker = uow.session.get(Worker, worker_id)
    if worker is None or worker.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no worker {worker_id}")
    return worker


def own_worker_id(uow: UnitOfWork, principal: Principal) -> int | None:
    """The worker record of the signed-in professional, if they have one."""
    return uow.session.scalar(select(col(Worker.id)).where(col(Worker.user_id) == principal.user_id))


def may_manage_worker(uow: UnitOfWork, principal: Principal, worker: Worker) -> None:
    """Admins of the worker's municipality, or the worker themself."""
    if principal.has_any_role(Role.ADMIN) and worker.municipality_code in principal.municipalities:
        return
    if principal.has_any_role(Role.INSTRUCTOR) and worker.user_id == principal.user_id:
        return
    raise AccessDenied("only an admin or the worker themself may change this worker's sessions")


def station_names(uow: UnitOfWork, language: str) -> dict[int, str]:
    return {s.id: (s.name_sv if language == "sv" else s.name_fi) for s in list_stations(uow)}
