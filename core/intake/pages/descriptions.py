"""The public service description of a county, and of one of its stations."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.intake.domain import interface_language
from sotesilta.core.intake.pages.common import variant_links, variant_of
from sotesilta.core.intake.service import descriptions
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.rendering import page


async def _render(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    county: str,
    station: str | None,
    lang: str | None,
) -> Template:
    variant = variant_of(request, lang)
    found = await runtime.run_db(
        descriptions.get_service_description, uow, county=county, station_key=station, variant=variant
    )
    return page(
        request,
        "service.html",
        language=interface_language(variant),
        description=found,
        variant=variant,
        variants=variant_links(request.url.path, variant),
        response_days=runtime.settings.response_days(county),
    )


@get("/services/{county:str}", opt=PUBLIC, name="web-service-county")
async def county_page(
    request: Request[Any, Any, Any],
    county: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
) -> Template:
    return await _render(request, uow, runtime, county, None, lang)


@get("/services/{county:str}/{station:str}", opt=PUBLIC, name="web-service-station")
async def station_page(
    request: Request[Any, Any, Any],
    county: FromPath[str],
    station: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
) -> Template:
    return await _render(request, uow, runtime, county, station, lang)


ROUTES = [county_page, station_page]
