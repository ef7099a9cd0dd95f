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
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from sotesilta.core import __version__
from sotesilta.core.accounts.api import auth as auth_api
from sotesilta.core.accounts.api import users as users_api
from sotesilta.core.accounts.api.auth import TokenAuthenticationMiddleware
from sotesilta.core.accounts.pages import sign_in as sign_in_pages
from sotesilta.core.accounts.pages import sso as sso_pages
from sotesilta.core.accounts.pages import users as users_pages
from sotesilta.core.clients import api as clients_api
from sotesilta.core.consultations import api as consultations_api
from sotesilta.core.consultations.pages import consultations as consultations_pages
from sotesilta.core.consultations.pages import shl as shl_pages
from sotesilta.core.feedback import api as feedback_api
from sotesilta.core.feedback import pages as feedback_pages
from sotesilta.core.intake import api as intake_api
from sotesilta.core.intake.pages import assessment as assessment_pages
from sotesilta.core.intake.pages import contact_requests as contact_request_pages
from sotesilta.core.intake.pages import descriptions as description_pages
from sotesilta.core.intake.pages import front as front_pages
from sotesilta.core.intake.pages import service_texts as service_text_pages
from sotesilta.core.kernel.background import BackgroundTasks
from sotesilta.core.kernel.logging import configure_logging
from sotesilta.core.kernel.runtime import Runtime, build_runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.kernel.web import health
from sotesilta.core.kernel.web.allow import name_every_allowed_method, record_allowed_methods
from sotesilta.core.kernel.web.default_headers import add_default_headers, let_forms_reach_the_providers
from sotesilta.core.kernel.web.dependencies import DEPENDENCIES
from sotesilta.core.kernel.web.input_checks import check_api_request
from sotesilta.core.kernel.web.news import NEWS_COUNTER
from sotesilta.core.kernel.web.openapi import TimeOfDaySchema
from sotesilta.core.kernel.web.problems import EXCEPTION_HANDLERS, expected_problems
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH
from sotesilta.core.kernel.web.shell import (
    SHELL,
    page_router,
    plugin_static_routers,
    static_router,
    template_environment,
)
from sotesilta.core.messages import api as messages_api
from sotesilta.core.messages import pages as messages_pages
from sotesilta.core.messages.public import outbox_for
from sotesilta.core.organisations import api as organisations_api
from sotesilta.core.organisations.pages import overview as organisation_pages
from sotesilta.core.organisations.pages import units as unit_pages
from sotesilta.core.organisations.pages import workers as worker_pages
from sotesilta.core.rehab.api import outcomes as rehab_outcomes_api
from sotesilta.core.rehab.api import periods as rehab_periods_api
from sotesilta.core.rehab.pages import groups as rehab_groups_pages
from sotesilta.core.rehab.pages import period_end as rehab_period_end_pages
from sotesilta.core.rehab.pages import period_new as rehab_period_new_pages
from sotesilta.core.rehab.pages import periods as rehab_periods_pages
from sotesilta.core.scheduling.api import bookings as bookings_api
from sotesilta.core.scheduling.api import rules as rules_api
from sotesilta.core.scheduling.api import sessions as sessions_api
from sotesilta.core.scheduling.api import slots as slots_api
from sotesilta.core.scheduling.api import stations as stations_api
from sotesilta.core.scheduling.api import walk_ins as walk_ins_api
from sotesilta.core.scheduling.pages import absences as absence_pages
from sotesilta.core.scheduling.pages import bookings as bookings_pages
from sotesilta.core.scheduling.pages import client_links as client_links_pages
from sotesilta.core.scheduling.pages import rules as rules_pages
from sotesilta.core.scheduling.pages import sessions as sessions_pages
from sotesilta.core.scheduling.pages import stations as station_pages
from sotesilta.core.scheduling.pages import walk_ins as walk_in_pages
from sotesilta.core.statistics import pages as statistics_pages
from sotesilta.core.statistics.api import rehab_report as rehab_report_api
from sotesilta.core.statistics.api import reports as statistics_api
from sotesilta.core.visits import api as visits_api
from sotesilta.core.visits.pages import outcomes as outcomes_pages
from sotesilta.core.work import pages as work_pages
from sotesilta.core.work import service as work_service

#: the features whose pages have templates of their own
FEATURES_WITH_PAGES = (
    "accounts",
    "organisations",
    "scheduling",
    "visits",
    "consultations",
    "rehab",
    "feedback",
    "intake",
    "statistics",
    "work",
    "messages",
)
TEMPLATE_PACKAGES = (SHELL, *(f"sotesilta.core.{feature}" for feature in FEATURES_WITH_PAGES))
#: the JSON API, in the order of the OpenAPI document
API_MODULES = (
    auth_api,
    organisations_api,
    stations_api,
    users_api,
    rules_api,
    sessions_api,
    slots_api,
    bookings_api,
    walk_ins_api,
    visits_api,
    clients_api,
    consultations_api,
    rehab_periods_api,
    rehab_outcomes_api,
    rehab_report_api,
    statistics_api,
    feedback_api,
    intake_api,
    messages_api,
)
PAGE_MODULES = (
    organisation_pages,
    unit_pages,
    station_pages,
    worker_pages,
    sessions_pages,
    absence_pages,
    rules_pages,
    users_pages,
    sign_in_pages,
    sso_pages,
    bookings_pages,
    walk_in_pages,
    client_links_pages,
    consultations_pages,
    shl_pages,
    feedback_pages,
    work_pages,
    outcomes_pages,
    rehab_period_new_pages,
    rehab_periods_pages,
    rehab_period_end_pages,
    rehab_groups_pages,
    statistics_pages,
    front_pages,
    description_pages,
    assessment_pages,
    contact_request_pages,
    service_text_pages,
    messages_pages,
)
OPENAPI_PATH = "/api/schema"
#: how a caller signs in: a bearer token, or the session cookie (same-origin JSON only)
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
#: request bodies larger than this are refused with 413 before parsing
MAX_BODY_BYTES = 1_000_000


def _configure_routes(config: AppConfig, runtime: Runtime) -> None:
    handlers: list[Any] = [health.get_health, health.get_ready]
    for module in API_MODULES:
        handlers.extend(module.ROUTES)
    handlers.extend(runtime.plugins.routes())
    for handler in handlers:
        # every operation documents the problem details it may answer with
        if isinstance(handler, HTTPRouteHandler):
            signed_in = not handler.opt.get(EXCLUDE_FROM_AUTH)
            problems = expected_problems(handler, authenticated=signed_in)
            handler.responses = {**problems, **(handler.responses or {})}
            # per operation, not for the whole document: login, feeds and health need none
            handler.security = (handler.security or SIGNED_IN) if signed_in else None
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
        use_handler_docstrings=True,
    )
    config.plugins.append(TimeOfDaySchema())


def create_app(runtime: Runtime | None = None, **litestar_options: Any) -> Litestar:
    """The ASGI app. Without a runtime, settings come from the environment."""
    server_process = runtime is None
    if runtime is None:
        # a server worker process: settings and logging come from the environment
        settings = load_settings()
        configure_logging(json_lines=settings.env == "production", level=settings.log_level)
        runtime = build_runtime(settings, outbox=outbox_for(settings))
    config = AppConfig(
        state=State({"runtime": runtime}),
        dependencies=dict(DEPENDENCIES),
        # handlers typed by the exception each takes; Litestar's mapping type is invariant in it
        exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]  # see above
        request_max_body_size=MAX_BODY_BYTES,
        # the JSON API's checks of forgery and unusable input; the pages' routers put their
        # form check in its place
        before_request=check_api_request,
        before_send=[add_default_headers, name_every_allowed_method, let_forms_reach_the_providers],
        debug=False,
        **litestar_options,
    )
    _configure_routes(config, runtime)
    configure_web(config, runtime)  # the pages: after the API routes, whose operations they link to
    _configure_security(config)
    _configure_openapi(config)
    if server_process:
        _configure_background_tasks(config, runtime)
    app = Litestar.from_config(config)
    record_allowed_methods(app)
    if server_process:
        freeze_startup_objects()
    return app


def _configure_background_tasks(config: AppConfig, runtime: Runtime) -> None:
    """The plugins' background work (the access log's chainer), for as long as the server runs."""
    tasks = BackgroundTasks(runtime.engine, runtime.plugins.background_tasks())
    config.on_startup.append(tasks.start)
    config.on_shutdown.append(tasks.stop)


def freeze_startup_objects() -> None:
    """Objects made at start-up live as long as the process: moving them out of the
    garbage collector's sight keeps its full passes short, and with them the p99."""
    gc.collect()
    gc.freeze()


#: the calendar plugin's invitation, found by its operationId: core never imports the plugin
INVITATION_OPERATION = "getBookingInvitation"


def _operation_path(handlers: list[Any], operation_id: str) -> str | None:
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler) and handler.operation_id == operation_id:
            return next(iter(sorted(handler.paths)))
    return None


def configure_web(config: AppConfig, runtime: Runtime) -> None:
    """Add the pages to an app whose API routes are already configured: core's templates,
    then the plugins' (their ``templates/``, ``static/`` and ``locale/``)."""
    plugins = runtime.plugins.resources()
    config.template_config = TemplateConfig(
        engine=JinjaTemplateEngine.from_environment(template_environment(TEMPLATE_PACKAGES, plugins))
    )
    config.state["invitation_path"] = _operation_path(config.route_handlers, INVITATION_OPERATION)
    config.state[NEWS_COUNTER] = work_service.news_for  # the menu's counts on every page
    config.route_handlers.append(static_router())
    config.route_handlers.extend(plugin_static_routers(plugins))
    config.route_handlers.append(page_router([route for module in PAGE_MODULES for route in module.ROUTES]))
