"""The client's instructions page: no login, behind the unguessable link the nurse gives."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.i18n import LANGUAGES
from sotesilta.core.kernel.web.rendering import page
from sotesilta.core.scheduling.service import client_links


@get("/c/{token:str}", opt=PUBLIC, name="web-client-instructions")
async def client_instructions_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    lang: FromQuery[str | None] = None,
) -> Template:
    appointment = await runtime.run_db(
        client_links.appointment_by_link,
        uow,
        secret=runtime.secret,
        token=token,
        language=lang if lang in LANGUAGES else None,  # the client may pick another on the page
    )
    language = appointment.instructions.language
    return page(request, "client.html", language=language, appointment=appointment, token=token)


ROUTES = [client_instructions_page]
