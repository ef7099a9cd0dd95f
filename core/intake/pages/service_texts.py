"""The admins' wording of their county's (or a station's) service description, per variant."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from sotesilta.core.intake.domain import VARIANTS, Section
from sotesilta.core.intake.pages.common import VARIANT_NAMES
from sotesilta.core.intake.service import descriptions
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other

SECTION_LABELS = {
    Section.WHAT.value: N_("What social guidance at the health station is"),
    Section.FOR_WHOM.value: N_("For whom (shown above the six needs and the age group)"),
    Section.GETTING_A_TIME.value: N_("How to get a time"),
    Section.REMOTE.value: N_("Remote options"),
}


def _county(request: Request[Principal, Any, Any]) -> str:
    return min(request.user.counties) if request.user.counties else ""


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    station: str | None,
    variant: str,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    county = _county(request)
    editor = await runtime.run_db(
        descriptions.texts_editor,
        uow,
        principal=request.user,
        county=county,
        station_key=station,
        variant=variant,
    )
    found = await runtime.run_db(descriptions.get_service_description, uow, county=county)
    return page(
        request,
        "admin_service_texts.html",
        status_code=status_code,
        language=language_of(request),
        editor=editor,
        stations=found.stations,
        variant_names=VARIANT_NAMES,
        section_labels=SECTION_LABELS,
        errors=errors,
    )


@get("/admin/service-texts", guards=ADMINS, name="web-admin-service-texts")
async def texts_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    station: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
) -> Template:
    variant = lang if lang in VARIANTS else "fi"
    return await _render(request, uow, runtime, station or None, str(variant), [])


@post("/admin/service-texts", guards=ADMINS, name="web-admin-service-texts-save", status_code=303)
async def save_texts(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    station = text_field(posted, "station", 64) or None
    variant = text_field(posted, "lang", 16)
    sections = {s.value: str(posted.get(s.value) or "").replace("\x00", "")[:5000] for s in Section}
    try:
        await runtime.run_db(
            descriptions.set_service_texts,
            uow,
            principal=request.user,
            county=_county(request),
            station_key=station,
            variant=variant,
            sections=sections,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        error = FormError(N_("The texts were not saved: %(reason)s"), {"reason": exc.detail}, exc.field or "")
        return await _render(
            request, uow, runtime, station, variant if variant in VARIANTS else "fi", [error], status
        )
    query = f"?lang={variant}" + (f"&station={station}" if station else "")
    return see_other(f"/admin/service-texts{query}")


ROUTES = [texts_page, save_texts]
