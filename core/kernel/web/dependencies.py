"""Per-request dependencies: the runtime, a unit of work, the clock's now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    return request.app.state.runtime


async def provide_uow(runtime: NamedDependency[Runtime]) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request; use cases commit themselves.

    An async generator on purpose: Litestar runs a sync generator's cleanup in
    the same thread pool as the sync handlers, so under load every worker
    thread could wait for a database connection that only a queued cleanup
    would return (a deadlock broken only by the pool timeout). Closing here,
    on the event loop, returns the connection at once.
    """
    uow = runtime.uow()
    uow.__enter__()
    try:
        yield uow
    finally:
        uow.__exit__(None, None, None)


def provide_now(runtime: NamedDependency[Runtime]) -> datetime:
    return runtime.clock.now()


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


DEPENDENCIES = {
    "runtime": Provide(provide_runtime, sync_to_thread=False),
    "uow": Provide(provide_uow),
    "now": Provide(provide_now, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
