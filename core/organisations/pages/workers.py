"""A county's workers on the admin's pages: add one, change their unit, the municipalities and
stations they serve, link them to their user account, close or reopen them."""

from __future__ import annotations

from dataclasses import dataclass
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
from sotesilta.core.organisations.domain import Language, WorkerTitle
from sotesilta.core.organisations.pages.units import organisation_error
from sotesilta.core.organisations.service import StationView, UnitView, UserChoice, WorkerDraft

WORKER_MESSAGES = {
    "display_name": N_("Give the worker's name (1–200 characters)."),
    "title": N_("Choose the worker's title."),
    "languages": N_("Choose the languages the worker serves in (at least one)."),
    "unit_id": N_("Choose a unit of your county."),
    "municipalities": N_("Choose the municipalities the worker serves (at least one, of the unit's county)."),
    "station_ids": N_("Choose stations of the unit's county."),
    "user_id": N_("Choose a user of your county who is not linked to another worker."),
}


@dataclass(frozen=True)
class WorkerScreen:
    units: list[UnitView]
    municipalities: list[tuple[str, str, str]]
    stations: list[StationView]
    users: list[UserChoice]


def worker_screen(uow: UnitOfWork, principal: Principal, worker_id: int | None) -> WorkerScreen:
    counties = sorted(principal.counties)
    users = [
        u
        for county in counties
        for u in organisations.county_users(uow, county=county)
        # free to link, or this worker's own
        if u.worker_id is None or u.worker_id == worker_id
    ]
    return WorkerScreen(
        units=[u for u in organisations.list_units(uow, counties=counties) if u.active],
        municipalities=organisations.county_municipalities(uow, counties=counties),
        stations=[s for s in organisations.county_stations(uow, counties=counties) if s.active],
        users=users,
    )


def worker_values(form: Any) -> dict[str, Any]:
    """The posted fields (every one, also for an empty form), as the draft takes them."""
    many = form.getall if hasattr(form, "getall") else lambda _name, default: default
    user = text_field(form, "user_id", 12)
    return {
        "display_name": text_field(form, "display_name", 200),
        "title": text_field(form, "title", 32),
        "languages": [str(v)[:2] for v in many("languages", [])][:3],
        "unit_id": text_field(form, "unit_id", 12),
        "municipalities": [str(v)[:3] for v in many("municipalities", [])][:40],
        "station_ids": [str(v)[:12] for v in many("station_ids", [])][:100],
        "user_id": user or None,
        "active": form.get("active") == "yes",
    }


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    values: dict[str, Any],
    *,
    worker_id: int | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    screen = await runtime.run_db(worker_screen, uow, request.user, worker_id)
    errors = errors or []
    return page(
        request,
        "admin_worker.html",
        status_code=status_code,
        worker_id=worker_id,
        form=values,
        screen=screen,
        titles=[t.value for t in WorkerTitle],
        languages=[language.value for language in Language],
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/admin/workers/new", guards=ADMINS, name="web-admin-new-worker")
async def new_worker_page(
    request: Request[Principal, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Template:
    values = worker_values({}) | {
        "title": WorkerTitle.SOCIAL_INSTRUCTOR.value,
        "languages": [Language.FI.value],
        "active": True,
    }
    return await _render(request, uow, runtime, values)


@get("/admin/workers/{worker_id:int}", guards=ADMINS, name="web-admin-worker")
async def worker_page(
    request: Request[Principal, Any, Any],
    worker_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    workers = await runtime.run_db(organisations.county_workers, uow, counties=request.user.counties)
    worker = next((w for w in workers if w.id == worker_id), None)
    if worker is None:
        raise RecordNotFound(f"no worker {worker_id}")
    values = {
        "display_name": worker.display_name,
        "title": worker.title,
        "languages": list(worker.languages),
        "unit_id": str(worker.unit_id),
        "municipalities": list(worker.municipalities),
        "station_ids": [str(s) for s in worker.station_ids],
        "user_id": None if worker.user_id is None else str(worker.user_id),
        "active": worker.active,
    }
    return await _render(request, uow, runtime, values, worker_id=worker_id)


async def _save(
    request: Request[Principal, Any, Any], uow: UnitOfWork, runtime: Runtime, worker_id: int | None
) -> Response[Any]:
    values = worker_values(await request.form())
    try:
        draft = draft_of(WorkerDraft, values)
        if worker_id is None:
            await runtime.run_db(organisations.create_worker, uow, by=request.user, draft=draft)
        else:
            await runtime.run_db(
                organisations.update_worker, uow, by=request.user, worker_id=worker_id, draft=draft
            )
    except DomainError as exc:
        status = refusal_status(uow, exc) if exc.field not in ("unit_id", "user_id") else _refused(uow, exc)
        error = organisation_error(exc, WORKER_MESSAGES)
        return await _render(
            request, uow, runtime, values, worker_id=worker_id, errors=[error], status_code=status
        )
    return see_other("/admin?saved=worker#workers")


def _refused(uow: UnitOfWork, exc: DomainError) -> int:
    # a unit or user chosen from the form's own lists that is gone (or another county's):
    # said beside the field rather than as a "not found" page, so what was typed is kept
    uow.rollback()
    return {"conflict": 409, "not_found": 404}.get(exc.kind, 422)


@post("/admin/workers", guards=ADMINS, name="web-admin-add-worker", status_code=303)
async def add_worker(
    request: Request[Principal, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    return await _save(request, uow, runtime, None)


@post("/admin/workers/{worker_id:int}", guards=ADMINS, name="web-admin-change-worker", status_code=303)
async def change_worker(
    request: Request[Principal, Any, Any],
    worker_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    return await _save(request, uow, runtime, worker_id)


ROUTES = [new_worker_page, worker_page, add_worker, change_worker]
