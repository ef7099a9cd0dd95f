"""The client's instructions page: no login, behind the unguessable link the nurse gives."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import client_links
from ..i18n import LANGUAGES
from ..rendering import page
from .common import PUBLIC


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
        now=runtime.clock.now(),
        language=lang if lang in LANGUAGES else None,  # the client may pick another on the page
    )
    language = appointment.instructions.language
    return page(request, "client.html", language=language, appointment=appointment, token=token)


ROUTES = [client_instructions_page]
