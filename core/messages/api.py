"""The outbox for a county's admins: its messages' delivery status and dead letters, and a
retry. No recipient, subject or body is ever in an answer."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.messages.domain import MessageStatus
from sotesilta.core.messages.service import admin as messages
from sotesilta.core.messages.service.admin import LIST_LIMIT, OutboxMessageView

County = Annotated[str, msgspec.Meta(pattern=r"^\d{2}$", examples=["03"])]


@get(
    "/api/v1/messages",
    operation_id="listMessages",
    tags=["admin"],
    guards=ADMINS,
    summary="My county's outgoing messages, newest first: channel, kind, status, attempts, times",
    sync_to_thread=True,
)
def list_messages(
    uow: NamedDependency[UnitOfWork],
    principal: NamedDependency[Principal],
    county: FromQuery[County | None] = None,
    status: FromQuery[MessageStatus | None] = None,
    limit: FromQuery[Annotated[int, msgspec.Meta(ge=1, le=LIST_LIMIT)]] = 100,
) -> list[OutboxMessageView]:
    return messages.list_messages(uow, principal=principal, county=county, status=status, limit=limit)


@post(
    "/api/v1/messages/{message_id:int}/retry",
    operation_id="retryMessage",
    tags=["admin"],
    guards=ADMINS,
    summary="Send a dead message again: a fresh round of attempts, due now",
    sync_to_thread=True,
    status_code=200,
)
def retry_message(
    message_id: FromPath[int], uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
) -> OutboxMessageView:
    return messages.retry_message(uow, principal=principal, message_id=message_id)


ROUTES = [list_messages, retry_message]
