"""The pages' shell: the template environment over every feature's templates, core's static
files, and the page router with the form check and core's error pages."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from litestar import Response, Router
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from sotesilta.core.kernel.web.csrf import check_csrf
from sotesilta.core.kernel.web.qr import qr_svg
from sotesilta.core.kernel.web.rendering import EXCEPTION_HANDLERS, SECURITY_HEADERS
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH

STATIC_PATH = "/static"
#: the shell's own templates (the base page, macros, the error page)
SHELL = "sotesilta.core.kernel.web"


def template_environment(packages: Sequence[str] = (SHELL,)) -> Environment:
    """Templates from the ``templates/`` folder of each package, found in that order."""
    environment = Environment(
        loader=ChoiceLoader([PackageLoader(package, "templates") for package in packages]),
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


def static_router() -> ControllerRouterHandler:
    """Core's stylesheet and script, with the pages' security headers."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[Path(str(files(SHELL) / "static"))],
        opt={EXCLUDE_FROM_AUTH: True},
        include_in_schema=False,
        after_request=_static_headers,
    )


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
