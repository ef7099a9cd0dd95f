"""Liveness and readiness probes (public)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency

from sotesilta.core.kernel.readiness import check_database
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.web.problems import PROBLEM_RESPONSE, problem
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ok"]


class ReadyState(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ready"]
    database: str
    revision: str | None


@get(
    "/health",
    operation_id="getHealth",
    opt={EXCLUDE_FROM_AUTH: True},
    tags=["operations"],
    summary="Alive: the process answers",
    sync_to_thread=False,
)
def get_health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    operation_id="getReady",
    opt={EXCLUDE_FROM_AUTH: True},
    tags=["operations"],
    summary="Ready: database reachable and migrated",
    sync_to_thread=True,
    responses={503: PROBLEM_RESPONSE},
)
def get_ready(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Response[Any]:
    state = check_database(runtime.engine)
    problems = [*state.problems, *runtime.plugins.check()]
    if problems:
        return problem(
            request, status=503, code="not-ready", title="Service unavailable", detail="; ".join(problems)
        )
    return Response(ReadyState(status="ready", database=runtime.engine.dialect.name, revision=state.revision))
