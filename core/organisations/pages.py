"""The administrator's pages: stations and plugins (read-only), session rules and sessions,
absences, users and roles. Within her own municipalities only: the use cases enforce it."""

from __future__ import annotations

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
from sotesilta.core.organisations.service import StationView

# --- overview: stations and plugins ---------------------------------------------------


@get("/admin", guards=ADMINS, name="web-admin")
async def admin_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Stations of my municipalities (from the plugins) and the installed plugins."""

    def read(uow: UnitOfWork) -> list[StationView]:
        return [
            s for s in organisations.list_stations(uow) if s.municipality_code in request.user.municipalities
        ]

    stations = await runtime.run_db(read, uow)
    plugins: list[PluginInfo] = runtime.plugins.info()
    return page(request, "admin.html", stations=stations, plugins=plugins, blocked=runtime.plugins.blocked())


# --- sessions, rules and absences -------------------------------------------------------


# --- users and roles ------------------------------------------------------------------


ROUTES = [admin_page]
