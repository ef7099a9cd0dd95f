"""Counts of new things in the menu of every page (unread consultation answers, times to
rebook, measurements due): the kernel knows no feature, so the app names the function that
counts (``NEWS_COUNTER`` in the app's state), and the page router fills its answer in after
the handler has run, so a page that marks something read counts it as read already.

The count runs in a unit of work of its own, off the event loop where the database needs it;
a failure to count is logged and leaves the menu without numbers, never the page unserved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Response
from litestar.response import Template

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork

log = logging.getLogger("sotesilta.web")

#: the app's state key of the function ``(uow, principal) -> counts or None``
NEWS_COUNTER = "news_counter"
#: the page's context key of the counting still to do (taken out before rendering)
NEWS_PENDING = "_news_pending"

Counter = Callable[[UnitOfWork, Principal], Any]


@dataclass(frozen=True)
class PendingNews:
    runtime: Runtime
    counter: Counter
    principal: Principal


async def fill_news(response: Response[Any]) -> Response[Any]:
    """``after_request`` of the pages: the counts into the page's ``news``."""
    if not isinstance(response, Template) or not isinstance(response.context, dict):
        return response
    pending = response.context.pop(NEWS_PENDING, None)
    if not isinstance(pending, PendingNews):
        return response

    def count() -> Any:
        # a read alone: on PostgreSQL no BEGIN and ROLLBACK round trips
        with pending.runtime.uow(autocommit=True) as uow:
            return pending.counter(uow, pending.principal)

    try:
        response.context["news"] = await pending.runtime.run_db(count)
    except Exception:
        log.exception("counting the menu's news failed", extra={"user_id": pending.principal.user_id})
    return response
