"""Assemble the web app in one place, in small ``_configure_*`` steps."""

from __future__ import annotations

import gc
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from .. import __version__
from ..logging import configure_logging
from ..runtime import Runtime, build_runtime
from ..settings import load_settings
from ..web.app import configure_web
from .dependencies import DEPENDENCIES
from .problems import COMMON_PROBLEMS, EXCEPTION_HANDLERS
from .routes import (
    auth,
    bookings,
    clients,
    consultations,
    feedback,
    health,
    organisations,
    rehab,
    rehab_outcomes,
    sessions,
    slots,
    statistics,
    users,
    visits,
    walk_ins,
)
from .security import EXCLUDE_FROM_AUTH, TokenAuthenticationMiddleware

ROUTE_MODULES = (
    auth,
    organisations,
    users,
    sessions,
    slots,
    bookings,
    walk_ins,
    visits,
    clients,
    consultations,
    rehab,
    rehab_outcomes,
    statistics,
    feedback,
)
OPENAPI_PATH = "/api/schema"
#: request bodies larger than this are refused with 413 before parsing
MAX_BODY_BYTES = 1_000_000


def _configure_routes(config: AppConfig, runtime: Runtime) -> None:
    handlers: list[Any] = [health.get_health, health.get_ready]
    for module in ROUTE_MODULES:
        handlers.extend(module.ROUTES)
    handlers.extend(runtime.plugins.routes())
    for handler in handlers:
        # every operation documents the problem details it may answer with
        if isinstance(handler, HTTPRouteHandler) and not handler.opt.get(EXCLUDE_FROM_AUTH):
            handler.responses = {**COMMON_PROBLEMS, **(handler.responses or {})}
    config.route_handlers.extend(handlers)


def _configure_security(config: AppConfig) -> None:
    config.middleware.append(
        DefineMiddleware(
            TokenAuthenticationMiddleware,
            exclude=[f"^{OPENAPI_PATH}"],
            exclude_from_auth_key=EXCLUDE_FROM_AUTH,
        )
    )


def _configure_openapi(config: AppConfig) -> None:
    config.openapi_config = OpenAPIConfig(
        title="sotesilta API",
        version=__version__,
        description=(
            "Scheduling and referral between Finnish health stations and social care. "
            "Errors are RFC 9457 problem details. operationIds are part of the contract."
        ),
        path=OPENAPI_PATH,
        render_plugins=[SwaggerRenderPlugin()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer"),
                "session": SecurityScheme(
                    type="apiKey", name="sotesilta_session", security_scheme_in="cookie"
                ),
            }
        ),
        security=[{"bearer": []}, {"session": []}],
        use_handler_docstrings=True,
    )


def create_app(runtime: Runtime | None = None, **litestar_options: Any) -> Litestar:
    """The ASGI app. Without a runtime, settings come from the environment."""
    server_process = runtime is None
    if runtime is None:
        # a server worker process: settings and logging come from the environment
        settings = load_settings()
        configure_logging(json_lines=settings.env == "production", level=settings.log_level)
        runtime = build_runtime(settings)
    config = AppConfig(
        state=State({"runtime": runtime}),
        dependencies=dict(DEPENDENCIES),
        exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
        **litestar_options,
    )
    _configure_routes(config, runtime)
    configure_web(config)  # the pages: after the API routes, whose operations they link to
    _configure_security(config)
    _configure_openapi(config)
    app = Litestar.from_config(config)
    if server_process:
        freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Objects made at start-up live as long as the process: moving them out of the
    garbage collector's sight keeps its full passes short, and with them the p99."""
    gc.collect()
    gc.freeze()
