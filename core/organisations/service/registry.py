"""Bring the organisation tables in line with what the installed plugins register."""

from __future__ import annotations

from dataclasses import dataclass

from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.upsert import upsert
from sotesilta.core.organisations.tables import County, Municipality, ServiceUnit, Station


@dataclass(frozen=True)
class SyncReport:
    counties: int
    municipalities: int
    stations: int


def sync_registry(uow: UnitOfWork) -> SyncReport:
    """Bring the database in line with what the installed plugins register.

    Idempotent and safe to run from several instances at once: rows are
    upserted by their natural keys in single statements. Counties and
    municipalities follow their plugins. Units and stations are data the
    county's admins own: a plugin supplies them once (created when missing);
    after that only what the plugin decides for its municipality, a station's
    kind and booking mode, follows the plugin. Nothing is ever deleted or
    closed here (bookings refer to stations; admins close them).
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
    for profile in registry.all():
        for unit in profile.county.units:
            upsert(
                session,
                ServiceUnit,
                {
                    "key": unit.key,
                    "county_code": profile.county.code,
                    "name_fi": unit.name_fi,
                    "name_sv": unit.name_sv,
                },
                ["key"],
                update=(),
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
                    "county_code": profile.county.code,
                    "name_fi": station.name_fi,
                    "name_sv": station.name_sv,
                    "address": station.address,
                    "address_sv": station.address_sv,
                    "phone": station.phone,
                    "provider": station.provider,
                    "kind": station.kind.value,
                    "booking_mode": station.booking_mode.value,
                    "active": True,
                },
                ["key"],
                update=("kind", "booking_mode"),
            )
    uow.commit()
    return SyncReport(len(counties), len(registry), len(station_keys))
