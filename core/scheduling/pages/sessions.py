"""Administration of sessions: the next weeks' sessions, a new session rule, the absence form
(recorded through its preview: ``pages.absences``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date, local_to_utc
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import StationView, WorkerView
from sotesilta.core.scheduling.pages.schedule_forms import AbsenceForm, RuleForm, schedule_error
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.service.rules import RuleView, list_session_rules
from sotesilta.core.scheduling.service.sessions import SessionView

#: the sessions page shows this far ahead
SESSIONS_AHEAD = timedelta(weeks=4)


@dataclass
class SessionsScreen:
    sessions: list[SessionView]
    workers: list[WorkerView]
    stations: list[StationView]
    rules: list[RuleView]
    station_names: dict[int, str] = field(default_factory=dict)


def sessions_screen(uow: UnitOfWork, runtime: Runtime, principal: Principal, language: str) -> SessionsScreen:
    now = runtime.clock.now()
    start = local_to_utc(local_date(now), time(0))
    found = sessions.list_sessions(uow, principal=principal, start=start, end=start + SESSIONS_AHEAD)
    workers = organisations.list_workers(uow, municipalities=principal.municipalities)
    stations = [
        s for s in organisations.list_stations(uow) if s.municipality_code in principal.municipalities
    ]
    names = {s.id: (s.name_sv if language == "sv" else s.name_fi) for s in stations}
    rules = list_session_rules(uow, principal=principal)
    return SessionsScreen(found, workers, stations, rules, names)


async def render_sessions(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    *,
    rule: RuleForm | None = None,
    absence: AbsenceForm | None = None,
    rule_errors: list[FormError] | None = None,
    absence_errors: list[FormError] | None = None,
    status_code: int = 200,
    flash: dict[str, Any] | None = None,
) -> Template:
    language = language_of(request)
    screen = await runtime.run_db(sessions_screen, uow, runtime, request.user, language)
    return page(
        request,
        "admin_sessions.html",
        status_code=status_code,
        language=language,
        screen=screen,
        rule=rule or RuleForm(first_date=(local_date(runtime.clock.now()) + timedelta(days=7)).isoformat()),
        absence=absence or AbsenceForm(),
        rule_errors=rule_errors or [],
        absence_errors=absence_errors or [],
        flash=flash or {},
        today=local_date(runtime.clock.now()),
    )


def _flash(request: Request[Any, Any, Any]) -> dict[str, Any]:
    flash: dict[str, Any] = {}
    for name in ("sessions", "cancelled", "orphaned", "partly", "ended", "kept"):
        value = request.query_params.get(name)
        if value is not None and value.isdigit() and len(value) < 6:
            flash[name] = int(value)
    return flash


@get("/admin/sessions", guards=ADMINS, name="web-admin-sessions")
async def sessions_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The next four weeks' sessions; a new session rule; an absence."""
    return await render_sessions(request, uow, runtime, flash=_flash(request))


@post("/admin/rules", guards=ADMINS, name="web-admin-rule", status_code=303)
async def create_rule(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = RuleForm.from_form(await request.form())
    try:
        draft = form.to_draft()
        _rule, generated = await runtime.run_db(
            sessions.create_session_rule,
            uow,
            principal=request.user,
            draft=draft,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await render_sessions(
            request, uow, runtime, rule=form, rule_errors=[schedule_error(exc, "rule")], status_code=status
        )
    return see_other(f"/admin/sessions?sessions={generated}")


ROUTES = [sessions_page, create_rule]
