"""The admins' page of the outbox: the county's messages with their delivery status, the
dead letters first in mind, and a retry button for each dead one."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.rendering import page, refusal_status, see_other
from sotesilta.core.messages.domain import MessageStatus
from sotesilta.core.messages.service import admin as messages

SHOWN = 200


@get("/admin/messages", guards=ADMINS, name="web-admin-messages")
async def messages_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    wanted = request.query_params.get("status") or ""
    status = MessageStatus(wanted) if wanted in set(MessageStatus) else None
    counties = sorted(request.user.counties)
    found = [
        m
        for county in counties
        for m in await runtime.run_db(
            messages.list_messages, uow, principal=request.user, county=county, status=status, limit=SHOWN
        )
    ]
    retried = request.query_params.get("retried")
    return page(
        request,
        "admin_messages.html",
        messages=found,
        status=status.value if status else "",
        statuses=list(MessageStatus),
        retried=retried if retried and retried.isdigit() else None,
    )


@post(
    "/admin/messages/{message_id:int}/retry", guards=ADMINS, name="web-admin-retry-message", status_code=303
)
async def retry_message(
    request: Request[Principal, Any, Any],
    message_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    try:
        await runtime.run_db(messages.retry_message, uow, principal=request.user, message_id=message_id)
    except DomainError as exc:
        refusal_status(uow, exc)  # a message not hers: the error page; one not dead: back to the list
        return see_other("/admin/messages")
    return see_other(f"/admin/messages?retried={message_id}")


ROUTES = [messages_page, retry_message]
