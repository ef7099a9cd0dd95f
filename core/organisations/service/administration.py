"""The county's admins maintain units, stations and workers as data.

Each change is checked against the county it belongs to (a unit, station or
worker never moves to another county; a worker serves only municipalities and
stations of their own county, which the database enforces too) and recorded
in ``organisation_change`` with who and when. ``by=None`` is a trusted job in
the process (the demo loader, the command line), recorded without a user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Any

import msgspec
from sqlalchemy import delete, select
from sqlmodel import col

from sotesilta.core.kernel.errors import InputInvalid, RecordConflict, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.domain import BookingMode, Language, StationKind, WorkerTitle
from sotesilta.core.organisations.service.queries import StationView, WorkerView, worker_views
from sotesilta.core.organisations.tables import (
    County,
    Municipality,
    OrganisationChange,
    ServiceUnit,
    Station,
    Worker,
    WorkerMunicipality,
    WorkerStation,
)

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Key = Annotated[str, msgspec.Meta(pattern=_KEY.pattern, description="lower-case letters, digits, '-', '_'")]


class CountyView(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_fi: str
    name_sv: str
    municipalities: tuple[str, ...]


class UnitDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A unit as an admin creates or replaces it (createUnit, updateUnit)."""

    county_code: Annotated[str, msgspec.Meta(pattern=r"^\d{2}$", examples=["03"])]
    key: Key
    name_fi: Name
    name_sv: Name
    active: bool = True


class UnitView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    county_code: str
    key: str
    name_fi: str
    name_sv: str
    active: bool


class StationDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A station as an admin creates or replaces it (createStation, updateStation)."""

    key: Key
    municipality_code: Annotated[str, msgspec.Meta(pattern=r"^\d{3}$", examples=["049"])]
    name_fi: Name
    name_sv: Name
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=300, description="in Finnish")]
    address_sv: Annotated[str, msgspec.Meta(max_length=300)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32, examples=["+358 9 816 31300"])] = ""
    provider: Annotated[
        str,
        msgspec.Meta(max_length=200, description="empty when the county runs it; else the provider's name"),
    ] = ""
    kind: StationKind = StationKind.HEALTH_STATION
    booking_mode: BookingMode = BookingMode.BOOKED
    active: bool = True


class WorkerDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A worker as an admin creates or replaces them (createWorker, updateWorker)."""

    display_name: Name
    title: WorkerTitle
    languages: Annotated[tuple[Language, ...], msgspec.Meta(min_length=1, max_length=3)]
    unit_id: int
    municipalities: Annotated[
        tuple[str, ...], msgspec.Meta(min_length=1, description="municipalities of the unit's county served")
    ]
    station_ids: tuple[int, ...] = ()
    user_id: Annotated[int | None, msgspec.Meta(description="the worker's own user account")] = None
    active: bool = True


def _admin_of(principal: Principal | None, county: str) -> None:
    """Admins of the county; anything of another county is "not found"."""
    if principal is None:
        return
    if not principal.has_any_role(Role.ADMIN) or county not in principal.counties:
        raise RecordNotFound(f"no county {county} for you", field="county_code")


def _log(
    uow: UnitOfWork, by: Principal | None, county: str, entity: str, entity_id: int, action: str, changes: Any
) -> None:
    uow.session.add(
        OrganisationChange(
            at=uow.now,
            user_id=by.user_id if by is not None else None,
            county_code=county,
            entity=entity,
            entity_id=entity_id,
            action=action,
            changes=json.dumps(msgspec.to_builtins(changes), ensure_ascii=False, sort_keys=True),
        )
    )


def list_counties(uow: UnitOfWork, *, principal: Principal) -> list[CountyView]:
    """The caller's county (or counties, for the operator), with its municipalities."""
    rows = uow.session.execute(
        select(County, col(Municipality.code))
        .join(Municipality, col(Municipality.county_code) == col(County.code))
        .where(col(County.code).in_(list(principal.counties)))
        .order_by(col(County.code), col(Municipality.code))
    ).all()
    found: dict[str, tuple[County, list[str]]] = {}
    for county, code in rows:
        found.setdefault(county.code, (county, []))[1].append(code)
    return [
        CountyView(code=c.code, name_fi=c.name_fi, name_sv=c.name_sv, municipalities=tuple(codes))
        for c, codes in found.values()
    ]


def list_units(uow: UnitOfWork, *, counties: Iterable[str]) -> list[UnitView]:
    query = (
        select(ServiceUnit)
        .where(col(ServiceUnit.county_code).in_(list(counties)))
        .order_by(col(ServiceUnit.county_code), col(ServiceUnit.name_fi))
    )
    return msgspec.convert(list(uow.session.scalars(query)), list[UnitView], from_attributes=True)


def create_unit(uow: UnitOfWork, *, by: Principal | None, draft: UnitDraft) -> UnitView:
    _admin_of(by, draft.county_code)
    if uow.session.get(County, draft.county_code) is None:
        raise RecordNotFound(f"no county {draft.county_code}", field="county_code")
    unit = ServiceUnit(**msgspec.to_builtins(draft))
    uow.add_unique(unit, RecordConflict(f"a unit with key {draft.key!r} exists already", field="key"))
    _log(uow, by, unit.county_code, "unit", unit.id or 0, "create", draft)
    view = msgspec.convert(unit, UnitView, from_attributes=True)
    uow.commit()
    return view


def update_unit(uow: UnitOfWork, *, by: Principal | None, unit_id: int, draft: UnitDraft) -> UnitView:
    unit = uow.session.get(ServiceUnit, unit_id)
    if unit is None:
        raise RecordNotFound(f"no unit {unit_id}")
    _admin_of(by, unit.county_code)
    if draft.county_code != unit.county_code:
        raise InputInvalid("a unit stays in its county", field="county_code")
    if not draft.active and unit.active:
        staffed = uow.session.scalars(
            select(col(Worker.display_name)).where(
                col(Worker.unit_id) == unit_id, col(Worker.active).is_(True)
            )
        ).all()
        if staffed:
            raise RecordConflict(
                f"the unit still has {len(staffed)} active worker(s): {', '.join(staffed)}; "
                "move them to another unit or close them first",
                field="active",
            )
    for name, value in msgspec.to_builtins(draft).items():
        setattr(unit, name, value)
    uow.session.add(unit)
    uow.flush_unique(RecordConflict(f"a unit with key {draft.key!r} exists already", field="key"))
    _log(uow, by, unit.county_code, "unit", unit_id, "update", draft)
    view = msgspec.convert(unit, UnitView, from_attributes=True)
    uow.commit()
    return view


def _county_of(uow: UnitOfWork, municipality: str) -> str:
    found = uow.session.get(Municipality, municipality)
    if found is None:
        raise RecordNotFound(f"no municipality {municipality}", field="municipality_code")
    return found.county_code


def _checked_station(draft: StationDraft) -> dict[str, Any]:
    values = msgspec.to_builtins(draft)
    phone = " ".join(draft.phone.split())
    if phone and not _PHONE.match(phone):
        raise InputInvalid("phone must be a telephone number, e.g. +358 9 816 31300", field="phone")
    values["phone"] = phone
    for name in ("name_fi", "name_sv", "address", "address_sv", "provider"):
        values[name] = values[name].strip()
    return values


def create_station(uow: UnitOfWork, *, by: Principal | None, draft: StationDraft) -> StationView:
    county = _county_of(uow, draft.municipality_code)
    _admin_of(by, county)
    station = Station(**_checked_station(draft), county_code=county)
    uow.add_unique(station, RecordConflict(f"a station with key {draft.key!r} exists already", field="key"))
    _log(uow, by, county, "station", station.id or 0, "create", draft)
    view = msgspec.convert(station, StationView, from_attributes=True)
    uow.commit()
    return view


def station_for_update(
    uow: UnitOfWork, *, by: Principal | None, station_id: int, draft: StationDraft
) -> Station:
    """The station an admin may replace with ``draft``, checked; the caller writes it."""
    station = uow.session.get(Station, station_id)
    if station is None:
        raise RecordNotFound(f"no station {station_id}")
    _admin_of(by, station.county_code)
    if _county_of(uow, draft.municipality_code) != station.county_code:
        raise InputInvalid(
            "a station stays in its county: choose a municipality of the same county",
            field="municipality_code",
        )
    return station


def update_station(
    uow: UnitOfWork, *, by: Principal | None, station: Station, draft: StationDraft
) -> StationView:
    """Replace a checked station (``station_for_update``); closing one that has bookings is
    the scheduling feature's decision, made before this is called."""
    for name, value in _checked_station(draft).items():
        setattr(station, name, value)
    uow.session.add(station)
    uow.flush_unique(RecordConflict(f"a station with key {draft.key!r} exists already", field="key"))
    _log(uow, by, station.county_code, "station", station.id or 0, "update", draft)
    view = msgspec.convert(station, StationView, from_attributes=True)
    uow.commit()
    return view


def _checked_worker(uow: UnitOfWork, by: Principal | None, draft: WorkerDraft, worker_id: int | None) -> str:
    """The worker's county (their unit's), once every link is known to be of it."""
    unit = uow.session.get(ServiceUnit, draft.unit_id)
    if unit is None or (by is not None and unit.county_code not in by.counties):
        raise RecordNotFound(f"no unit {draft.unit_id}", field="unit_id")
    county = unit.county_code
    _admin_of(by, county)
    codes = sorted(set(draft.municipalities))
    found = dict(
        uow.session.execute(
            select(col(Municipality.code), col(Municipality.county_code)).where(
                col(Municipality.code).in_(codes)
            )
        ).all()
    )
    foreign = [c for c in codes if found.get(c) != county]
    if foreign:
        raise InputInvalid(
            f"municipality {', '.join(foreign)} is not of the unit's county {county}", field="municipalities"
        )
    stations = dict(
        uow.session.execute(
            select(col(Station.id), col(Station.county_code)).where(col(Station.id).in_(draft.station_ids))
        ).all()
    )
    outside = [str(s) for s in sorted(set(draft.station_ids)) if stations.get(s) != county]
    if outside:
        raise InputInvalid(
            f"station {', '.join(outside)} is not of the unit's county {county}", field="station_ids"
        )
    if draft.user_id is not None:
        user_counties = set(
            uow.session.scalars(
                select(col(Municipality.county_code))
                .select_from(Municipality)
                .join(
                    _user_municipality(), col(Municipality.code) == _user_municipality().c.municipality_code
                )
                .where(_user_municipality().c.user_id == draft.user_id)
            )
        )
        if user_counties != {county}:
            raise InputInvalid(f"user {draft.user_id} is not a user of county {county}", field="user_id")
        linked = uow.session.scalar(
            select(col(Worker.id)).where(
                col(Worker.user_id) == draft.user_id, col(Worker.id) != (worker_id or 0)
            )
        )
        if linked is not None:
            raise RecordConflict(
                f"user {draft.user_id} is linked to worker {linked} already", field="user_id"
            )
    return county


def _user_municipality() -> Any:
    # the accounts feature's link table, by name: organisations sits below accounts
    return Municipality.metadata.tables["user_municipality"]


def _link(uow: UnitOfWork, worker_id: int, county: str, draft: WorkerDraft) -> None:
    session = uow.session
    session.execute(delete(WorkerMunicipality).where(col(WorkerMunicipality.worker_id) == worker_id))
    session.execute(delete(WorkerStation).where(col(WorkerStation.worker_id) == worker_id))
    session.add_all(
        WorkerMunicipality(worker_id=worker_id, municipality_code=code, county_code=county)
        for code in sorted(set(draft.municipalities))
    )
    session.add_all(
        WorkerStation(worker_id=worker_id, station_id=station_id, county_code=county)
        for station_id in sorted(set(draft.station_ids))
    )


def _worker_values(draft: WorkerDraft) -> dict[str, Any]:
    return {
        "display_name": draft.display_name.strip(),
        "title": draft.title.value,
        "languages": ",".join(dict.fromkeys(language.value for language in draft.languages)),
        "unit_id": draft.unit_id,
        "user_id": draft.user_id,
        "active": draft.active,
    }


def create_worker(uow: UnitOfWork, *, by: Principal | None, draft: WorkerDraft) -> WorkerView:
    county = _checked_worker(uow, by, draft, None)
    worker = Worker(**_worker_values(draft), county_code=county)
    uow.session.add(worker)
    uow.session.flush()
    worker_id = worker.id or 0
    _link(uow, worker_id, county, draft)
    uow.session.flush()
    _log(uow, by, county, "worker", worker_id, "create", draft)
    (view,) = worker_views(uow, [worker])
    uow.commit()
    return view


def update_worker(uow: UnitOfWork, *, by: Principal | None, worker_id: int, draft: WorkerDraft) -> WorkerView:
    worker = uow.session.get(Worker, worker_id)
    if worker is None or (by is not None and worker.county_code not in by.counties):
        raise RecordNotFound(f"no worker {worker_id}")
    county = _checked_worker(uow, by, draft, worker_id)
    if county != worker.county_code:
        raise InputInvalid("a worker stays in their county: choose a unit of it", field="unit_id")
    for name, value in _worker_values(draft).items():
        setattr(worker, name, value)
    uow.session.add(worker)
    _link(uow, worker_id, county, draft)
    uow.session.flush()
    _log(uow, by, county, "worker", worker_id, "update", draft)
    (view,) = worker_views(uow, [worker])
    uow.commit()
    return view


def unit_id_of(uow: UnitOfWork, key: str) -> int:
    found = uow.session.scalar(select(col(ServiceUnit.id)).where(col(ServiceUnit.key) == key))
    if found is None:
        raise RecordNotFound(f"no unit {key!r}", field="unit")
    return found
