"""The instructors' worklist of contact requests, and one request (its reading logged)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.intake.domain import ContactRequestStatus
from sotesilta.core.intake.service import contact_requests
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other


@get("/contact-requests", guards=INSTRUCTORS, name="web-contact-requests")
async def worklist(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    status: FromQuery[str | None] = None,
) -> Template:
    language = language_of(request)
    wanted = status if status in {s.value for s in ContactRequestStatus} else None
    rows = await runtime.run_db(
        contact_requests.list_contact_requests, uow, principal=request.user, status=wanted, language=language
    )
    return page(request, "contact_requests.html", language=language, rows=rows, status=wanted)


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    request_id: int,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    language = language_of(request)
    view = await runtime.run_db(
        contact_requests.get_contact_request,
        uow,
        principal=request.user,
        request_id=request_id,
        language=language,
    )
    return page(
        request, "contact_request.html", status_code=status_code, language=language, item=view, errors=errors
    )


@get("/contact-requests/{request_id:int}", guards=INSTRUCTORS, name="web-contact-request")
async def contact_request_page(
    request: Request[Principal, Any, Any],
    request_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    return await _render(request, uow, runtime, request_id, [])


@post(
    "/contact-requests/{request_id:int}",
    guards=INSTRUCTORS,
    name="web-contact-request-update",
    status_code=303,
)
async def update(
    request: Request[Principal, Any, Any],
    request_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    try:
        await runtime.run_db(
            contact_requests.update_contact_request,
            uow,
            principal=request.user,
            request_id=request_id,
            status=text_field(posted, "status", 16),
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        error = FormError(N_("The request could not be moved to that state."), {}, "")
        return await _render(request, uow, runtime, request_id, [error], status)
    return see_other(f"/contact-requests/{request_id}")


ROUTES = [worklist, contact_request_page, update]
