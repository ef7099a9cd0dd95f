"""The administrator's overview: the county's units, stations and workers (each to edit),
its recent changes, and the installed plugins. Within her own county only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from sotesilta.core.kernel.plugins.manager import PluginInfo
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.rendering import page
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.service import ChangeView, StationView, UnitView, UserChoice, WorkerView


@dataclass(frozen=True)
class Organisation:
    units: list[UnitView]
    stations: list[StationView]
    workers: list[WorkerView]
    users: dict[int, UserChoice]
    changes: list[ChangeView]

    def unit_name(self, unit_id: int, language: str) -> str:
        unit = next((u for u in self.units if u.id == unit_id), None)
        return "" if unit is None else unit.name_sv if language == "sv" else unit.name_fi

    def station_name(self, station_id: int, language: str) -> str:
        found = next((s for s in self.stations if s.id == station_id), None)
        return "" if found is None else found.name_sv if language == "sv" else found.name_fi


def organisation(uow: UnitOfWork, principal: Principal) -> Organisation:
    counties = sorted(principal.counties)
    users = {u.id: u for county in counties for u in organisations.county_users(uow, county=county)}
    return Organisation(
        units=organisations.list_units(uow, counties=counties),
        stations=organisations.county_stations(uow, counties=counties),
        workers=organisations.county_workers(uow, counties=counties),
        users=users,
        changes=organisations.recent_changes(uow, counties=counties),
    )


@get("/admin", guards=ADMINS, name="web-admin")
async def admin_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    found = await runtime.run_db(organisation, uow, request.user)
    plugins: list[PluginInfo] = runtime.plugins.info()
    saved = request.query_params.get("saved")
    return page(
        request,
        "admin.html",
        org=found,
        plugins=plugins,
        blocked=runtime.plugins.blocked(),
        saved=saved if saved in ("unit", "station", "worker") else None,
    )


ROUTES = [admin_page]
