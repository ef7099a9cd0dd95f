"""Wiring the pages into the app: templates, static files, page routes, their headers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Response, Router
from litestar.config.app import AppConfig
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ..api.security import EXCLUDE_FROM_AUTH
from .csrf import check_csrf
from .qr import qr_svg
from .rendering import EXCEPTION_HANDLERS, SECURITY_HEADERS
from .routes import admin, auth, booking, client, consultations, feedback, outcomes, rehab, statistics, work

#: the calendar plugin's invitation, found by its operationId: core never imports the plugin
INVITATION_OPERATION = "getBookingInvitation"
STATIC_PATH = "/static"


def template_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("sotesilta.core.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable fails the tests instead of vanishing
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {% trans %} blocks call the per-request gettext with keyword variables
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.globals["qr_svg"] = qr_svg
    return environment


def _static_headers(response: Response[Any]) -> Response[Any]:
    response.headers.update(SECURITY_HEADERS)
    return response


def _operation_path(handlers: list[Any], operation_id: str) -> str | None:
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler) and handler.operation_id == operation_id:
            return next(iter(sorted(handler.paths)))
    return None


def page_router(route_handlers: list[Any]) -> Router:
    """Pages with the form check and the error pages of core's own.

    A plugin adds its pages by registering such a router through
    ``sotesilta_register_routes``; they render core's templates with ``page()``.
    """
    return Router(
        path="/",
        route_handlers=route_handlers,
        before_request=check_csrf,
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )


def configure_web(config: AppConfig) -> None:
    """Add the pages to an app whose API routes are already configured."""
    config.template_config = TemplateConfig(
        engine=JinjaTemplateEngine.from_environment(template_environment())
    )
    config.state["invitation_path"] = _operation_path(config.route_handlers, INVITATION_OPERATION)
    config.route_handlers.append(
        create_static_files_router(
            path=STATIC_PATH,
            directories=[Path(str(files("sotesilta.core.web") / "static"))],
            opt={EXCLUDE_FROM_AUTH: True},
            include_in_schema=False,
            after_request=_static_headers,
        )
    )
    config.route_handlers.append(
        page_router(
            [
                *admin.ROUTES,
                *auth.ROUTES,
                *booking.ROUTES,
                *client.ROUTES,
                *consultations.ROUTES,
                *feedback.ROUTES,
                *work.ROUTES,
                *outcomes.ROUTES,
                *rehab.ROUTES,
                *statistics.ROUTES,
            ]
        )
    )
