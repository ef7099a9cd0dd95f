"""The pages' shell: the template environment over every feature's templates (and, after them,
the plugins'), core's and the plugins' static files, and the page router with the form check
and core's error pages."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from litestar import Response, Router
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from sotesilta.core.kernel.plugins.manager import PluginError
from sotesilta.core.kernel.plugins.resources import PluginResources
from sotesilta.core.kernel.web.i18n import CATALOGUES, Catalogues
from sotesilta.core.kernel.web.input_checks import check_page_request
from sotesilta.core.kernel.web.news import fill_news
from sotesilta.core.kernel.web.qr import qr_svg
from sotesilta.core.kernel.web.rendering import EXCEPTION_HANDLERS, SECURITY_HEADERS
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH

STATIC_PATH = "/static"
#: the shell's own templates (the base page, macros, the error page)
SHELL = "sotesilta.core.kernel.web"


def template_environment(
    packages: Sequence[str] = (SHELL,), plugins: Sequence[PluginResources] = ()
) -> Environment:
    """Templates from the ``templates/`` folder of each package, found in that order, then from
    each plugin's; the pages' catalogues are core's with the plugins' merged in.

    A plugin's template named like one of core's, or like another plugin's, stops start-up:
    core's would silently win, or whichever plugin registered first.
    """
    core_loaders = [PackageLoader(package, "templates") for package in packages]
    _refuse_template_clashes(packages, core_loaders, plugins)
    plugin_loaders: list[BaseLoader] = [
        FileSystemLoader(resources.templates) for resources in plugins if resources.templates is not None
    ]
    environment = Environment(
        loader=ChoiceLoader([*core_loaders, *plugin_loaders]),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable fails the tests instead of vanishing
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {% trans %} blocks call the per-request gettext with keyword variables
    environment.newstyle_gettext = True  # type: ignore[attr-defined]  # set by the i18n extension
    environment.globals["qr_svg"] = qr_svg
    environment.globals[CATALOGUES] = Catalogues(
        [resources.locale for resources in plugins if resources.locale is not None]
    )
    return environment


def _refuse_template_clashes(
    packages: Sequence[str], core_loaders: Sequence[PackageLoader], plugins: Sequence[PluginResources]
) -> None:
    owners = {
        name: f"core ({package})"
        for package, loader in zip(packages, core_loaders, strict=True)
        for name in loader.list_templates()
    }
    for resources in plugins:
        for name in resources.template_names():
            owner = owners.get(name)
            if owner is not None:
                raise PluginError(
                    f"plugin {resources.plugin!r} ships the template {name!r}, which {owner} has too: "
                    "rename the plugin's (prefix it with the plugin's name)"
                )
            owners[name] = f"plugin {resources.plugin!r}"


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


def plugin_static_routers(plugins: Sequence[PluginResources]) -> list[ControllerRouterHandler]:
    """Each plugin's ``static/`` under ``/static/plugins/<plugin name>/``, with the same
    security headers as core's static files."""
    return [
        create_static_files_router(
            path=resources.static_path,
            directories=[resources.static],
            name=f"static-plugin-{resources.plugin}",
            opt={EXCLUDE_FROM_AUTH: True},
            include_in_schema=False,
            after_request=_static_headers,
        )
        for resources in plugins
        if resources.static is not None
    ]


def page_router(route_handlers: list[Any]) -> Router:
    """Pages with the form check, the menu's counts and the error pages of core's own.

    A plugin adds its pages by registering such a router through
    ``sotesilta_register_routes``; they render core's templates with ``page()``.
    """
    return Router(
        path="/",
        route_handlers=route_handlers,
        before_request=check_page_request,
        after_request=fill_news,
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
