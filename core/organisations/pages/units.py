"""A county's units on the admin's pages: add one, rename it, close or reopen it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.kernel.errors import DomainError, RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError, draft_of, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, refusal_status, see_other
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.service import UnitDraft

UNIT_MESSAGES = {
    "key": N_("Give a key of 2–64 characters: lower-case letters a–z, digits, '-' or '_'; not one in use."),
    "name_fi": N_("Give the name in Finnish (1–200 characters)."),
    "name_sv": N_("Give the name in Swedish (1–200 characters)."),
    "county_code": N_("Choose your county."),
    "active": N_("The unit still has active workers: move them to another unit or close them first."),
}


def organisation_error(exc: DomainError, messages: dict[str, str]) -> FormError:
    """A refusal shown beside its field, or as it is worded when no field is named."""
    if exc.field in messages:
        return FormError(messages[exc.field or ""], {}, exc.field or "")
    return FormError(N_("The change was not saved: %(reason)s"), {"reason": exc.detail}, "")


def unit_values(form: Any, counties: list[str]) -> dict[str, Any]:
    return {
        "county_code": text_field(form, "county_code", 2) or counties[0],
        "key": text_field(form, "key", 64),
        "name_fi": text_field(form, "name_fi", 200),
        "name_sv": text_field(form, "name_sv", 200),
        "active": form.get("active") == "yes",
    }


def _render(
    request: Request[Principal, Any, Any],
    values: dict[str, Any],
    *,
    unit_id: int | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    errors = errors or []
    return page(
        request,
        "admin_unit.html",
        status_code=status_code,
        unit_id=unit_id,
        form=values,
        counties=sorted(request.user.counties),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/admin/units/new", guards=ADMINS, name="web-admin-new-unit")
async def new_unit_page(request: Request[Principal, Any, Any]) -> Template:
    # every field the form shows, blank: the template refuses an undefined one
    return _render(request, unit_values({}, sorted(request.user.counties) or [""]) | {"active": True})


@get("/admin/units/{unit_id:int}", guards=ADMINS, name="web-admin-unit")
async def unit_page(
    request: Request[Principal, Any, Any],
    unit_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    units = await runtime.run_db(organisations.list_units, uow, counties=request.user.counties)
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        raise RecordNotFound(f"no unit {unit_id}")
    values = {k: getattr(unit, k) for k in ("county_code", "key", "name_fi", "name_sv", "active")}
    return _render(request, values, unit_id=unit_id)


async def _save(
    request: Request[Principal, Any, Any], uow: UnitOfWork, runtime: Runtime, unit_id: int | None
) -> Response[Any]:
    counties = sorted(request.user.counties) or [""]
    values = unit_values(await request.form(), counties)
    try:
        draft = draft_of(UnitDraft, values)
        if unit_id is None:
            await runtime.run_db(organisations.create_unit, uow, by=request.user, draft=draft)
        else:
            await runtime.run_db(
                organisations.update_unit, uow, by=request.user, unit_id=unit_id, draft=draft
            )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        error = organisation_error(exc, UNIT_MESSAGES)
        return _render(request, values, unit_id=unit_id, errors=[error], status_code=status)
    return see_other("/admin?saved=unit#units")


@post("/admin/units", guards=ADMINS, name="web-admin-add-unit", status_code=303)
async def add_unit(
    request: Request[Principal, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    return await _save(request, uow, runtime, None)


@post("/admin/units/{unit_id:int}", guards=ADMINS, name="web-admin-change-unit", status_code=303)
async def change_unit(
    request: Request[Principal, Any, Any],
    unit_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    return await _save(request, uow, runtime, unit_id)


ROUTES = [new_unit_page, unit_page, add_unit, change_unit]
