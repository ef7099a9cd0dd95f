"""Per-request dependencies: the runtime, a unit of work, the clock's now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from ..domain.accounts import Principal
from ..persistence.uow import UnitOfWork
from ..runtime import Runtime


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def provide_uow(runtime: NamedDependency[Runtime]) -> Iterator[UnitOfWork]:
    # Use cases commit themselves; leaving the block rolls back anything left.
    with runtime.uow() as uow:
        yield uow


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
