"""Reading the organisation model, and who may act on which part of it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated, Any

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.kernel.errors import AccessDenied, InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.domain import BookingMode, StationKind
from sotesilta.core.organisations.tables import (
    County,
    Municipality,
    Station,
    Worker,
    WorkerMunicipality,
    WorkerStation,
)


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
    county_code: str
    name_fi: str
    name_sv: str
    address: Annotated[str, msgspec.Meta(description="the address in Finnish")]
    address_sv: str
    phone: str
    provider: Annotated[str, msgspec.Meta(description="empty when the county runs the station")]
    kind: StationKind
    booking_mode: BookingMode
    active: bool


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
    county_code: str
    unit_id: int
    municipalities: Annotated[
        tuple[str, ...], msgspec.Meta(description="the municipalities the worker serves")
    ]
    station_ids: Annotated[tuple[int, ...], msgspec.Meta(description="the stations the worker receives at")]
    user_id: int | None
    active: bool


def worker_views(uow: UnitOfWork, workers: Sequence[Worker]) -> list[WorkerView]:
    ids = [w.id for w in workers]
    served: dict[int, list[str]] = {}
    for worker_id, code in uow.session.execute(
        select(col(WorkerMunicipality.worker_id), col(WorkerMunicipality.municipality_code))
        .where(col(WorkerMunicipality.worker_id).in_(ids))
        .order_by(col(WorkerMunicipality.municipality_code))
    ):
        served.setdefault(worker_id, []).append(code)
    stations: dict[int, list[int]] = {}
    for worker_id, station_id in uow.session.execute(
        select(col(WorkerStation.worker_id), col(WorkerStation.station_id))
        .where(col(WorkerStation.worker_id).in_(ids))
        .order_by(col(WorkerStation.station_id))
    ):
        stations.setdefault(worker_id, []).append(station_id)
    return [
        WorkerView(
            id=w.id or 0,
            display_name=w.display_name,
            title=w.title,
            languages=tuple(w.languages.split(",")),
            county_code=w.county_code,
            unit_id=w.unit_id,
            municipalities=tuple(served.get(w.id or 0, ())),
            station_ids=tuple(stations.get(w.id or 0, ())),
            user_id=w.user_id,
            active=w.active,
        )
        for w in workers
    ]


def _serving_any(municipalities: Collection[str]) -> Any:
    return col(Worker.id).in_(
        select(col(WorkerMunicipality.worker_id)).where(
            col(WorkerMunicipality.municipality_code).in_(list(municipalities))
        )
    )


def list_workers(
    uow: UnitOfWork, *, municipalities: Collection[str], municipality: str | None = None
) -> list[WorkerView]:
    """Professionals serving the caller's municipalities (staff names are not client data);
    with ``municipality``, those who serve it."""
    if municipality is not None and municipality not in municipalities:
        return []
    query = (
        select(Worker)
        .where(_serving_any([municipality] if municipality else municipalities), col(Worker.active).is_(True))
        .order_by(col(Worker.display_name), col(Worker.id))
    )
    return worker_views(uow, list(uow.session.scalars(query)))


def station_in_scope(uow: UnitOfWork, principal: Principal, station_id: int) -> Station:
    station = uow.session.get(Station, station_id)
    if station is None or station.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no station {station_id}")
    return station


def worker_in_scope(uow: UnitOfWork, principal: Principal, worker_id: int) -> Worker:
    """A worker of the person's county who serves one of the person's municipalities
    (a county-wide unit's worker serves them all); any other is "not found"."""
    worker = uow.session.scalar(
        select(Worker).where(
            col(Worker.id) == worker_id,
            col(Worker.county_code).in_(list(principal.counties)),
            _serving_any(principal.municipalities),
        )
    )
    if worker is None:
        raise RecordNotFound(f"no worker {worker_id}")
    return worker


def worker_serving(uow: UnitOfWork, worker_id: int, municipality: str) -> Worker:
    """A worker who serves ``municipality`` (a unit's worker may serve several)."""
    row = uow.session.execute(
        select(Worker)
        .join(WorkerMunicipality, col(WorkerMunicipality.worker_id) == col(Worker.id))
        .where(
            col(Worker.id) == worker_id,
            col(WorkerMunicipality.municipality_code) == municipality,
            col(Worker.active).is_(True),
        )
    ).scalar_one_or_none()
    if row is None:
        raise RecordNotFound(f"no worker {worker_id} serving municipality {municipality}", field="worker_id")
    return row


def serves(uow: UnitOfWork, worker_id: int, municipality: str) -> bool:
    return (
        uow.session.get(WorkerMunicipality, {"worker_id": worker_id, "municipality_code": municipality})
        is not None
    )


def own_worker_id(uow: UnitOfWork, principal: Principal) -> int | None:
    """The worker record of the signed-in professional, if they have one."""
    return uow.session.scalar(select(col(Worker.id)).where(col(Worker.user_id) == principal.user_id))


def may_manage_worker(uow: UnitOfWork, principal: Principal, worker: Worker) -> None:
    """Admins of the worker's county, or the worker themself."""
    if principal.has_any_role(Role.ADMIN) and worker.county_code in principal.counties:
        return
    if principal.has_any_role(Role.INSTRUCTOR) and worker.user_id == principal.user_id:
        return
    raise AccessDenied("only an admin or the worker themself may change this worker's sessions")


def station_names(uow: UnitOfWork, language: str) -> dict[int, str]:
    return {s.id: (s.name_sv if language == "sv" else s.name_fi) for s in list_stations(uow)}
