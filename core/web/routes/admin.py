"""The administrator's pages: stations and plugins (read-only), session rules and sessions,
absences, users and roles. Within her own municipalities only: the use cases enforce it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from ...api.security import requires_role
from ...domain.accounts import Principal, Role
from ...domain.errors import DomainError, InputInvalid
from ...domain.scheduling import local_date, local_to_utc
from ...persistence.uow import UnitOfWork
from ...plugins.manager import PluginInfo
from ...runtime import Runtime
from ...services import accounts, organisations, sessions
from ...services.accounts import UserSummary
from ...services.organisations import StationView, WorkerView
from ...services.session_rules import RuleView, list_session_rules
from ...services.sessions import SessionView
from ..admin_forms import AbsenceForm, RuleForm, schedule_error
from ..forms import FormError, text_field
from ..i18n import N_
from ..rendering import language_of, page, refusal_status, see_other
from .admin_rules import end_rule, rule_page

ADMINS = [requires_role(Role.ADMIN)]
#: the sessions page shows this far ahead
SESSIONS_AHEAD = timedelta(weeks=4)
ROLES = tuple(r.value for r in Role)


# --- overview: stations and plugins ---------------------------------------------------


@get("/admin", guards=ADMINS, name="web-admin")
async def admin_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Stations of my municipalities (from the plugins) and the installed plugins."""

    def read(uow: UnitOfWork) -> list[StationView]:
        return [
            s for s in organisations.list_stations(uow) if s.municipality_code in request.user.municipalities
        ]

    stations = await runtime.run_db(read, uow)
    plugins: list[PluginInfo] = runtime.plugins.info()
    return page(request, "admin.html", stations=stations, plugins=plugins, blocked=runtime.plugins.blocked())


# --- sessions, rules and absences -------------------------------------------------------


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
    rules = list_session_rules(uow, principal=principal, now=now)
    return SessionsScreen(found, workers, stations, rules, names)


async def _render_sessions(
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
    return await _render_sessions(request, uow, runtime, flash=_flash(request))


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
            registry=runtime.plugins.municipalities,
            now=runtime.clock.now(),
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render_sessions(
            request, uow, runtime, rule=form, rule_errors=[schedule_error(exc, "rule")], status_code=status
        )
    return see_other(f"/admin/sessions?sessions={generated}")


@post("/admin/absences", guards=ADMINS, name="web-admin-absence", status_code=303)
async def record_absence(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = AbsenceForm.from_form(await request.form())
    try:
        worker_id, starts_at, ends_at, reason = form.values()
        result = await runtime.run_db(
            sessions.record_absence,
            uow,
            principal=request.user,
            worker_id=worker_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            now=runtime.clock.now(),
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind in ("not_found", "forbidden"):
            raise
        return await _render_sessions(
            request,
            uow,
            runtime,
            absence=form,
            absence_errors=[schedule_error(exc, "absence")],
            status_code=409 if exc.kind == "conflict" else 422,
        )
    return see_other(
        f"/admin/sessions?cancelled={result.cancelled_sessions}&orphaned={result.orphaned_bookings}"
        f"&partly={result.partly_blocked_sessions}"
    )


# --- users and roles ------------------------------------------------------------------


@dataclass
class UserForm:
    username: str = ""
    display_name: str = ""
    roles: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    language: str = "fi"
    password: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> UserForm:
        return cls(
            username=text_field(form, "username", 100),
            display_name=text_field(form, "display_name", 400),
            roles=[str(r)[:20] for r in form.getall("roles", [])][:10],
            municipalities=[str(m)[:3] for m in form.getall("municipalities", [])][:40],
            language=text_field(form, "language", 2),
            password=str(form.get("password") or "")[:1100],
        )


USER_MESSAGES = {
    "username": N_("Give a user name of 3–64 characters: letters a–z, digits, '.', '_', '@' or '-'."),
    "display_name": N_("Give the name to show (1–200 characters)."),
    "roles": N_("Choose at least one role."),
    "municipalities": N_("Choose at least one of your municipalities."),
    "language": N_("Choose the user's language."),
    "password": N_("A password has at least 12 characters; leave it empty to have one made."),
}


def user_error(exc: DomainError) -> FormError:
    if exc.field in USER_MESSAGES:
        return FormError(USER_MESSAGES[exc.field or ""], {}, exc.field or "")
    return FormError(N_("The user was not added: %(reason)s"), {"reason": exc.detail}, "")


async def _render_users(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    *,
    form: UserForm | None = None,
    errors: list[FormError] | None = None,
    created: UserSummary | None = None,
    password: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Template:
    def read(uow: UnitOfWork) -> list[UserSummary]:
        return accounts.list_users(uow, municipalities=request.user.municipalities)

    users = await runtime.run_db(read, uow)
    errors = errors or []
    return page(
        request,
        "admin_users.html",
        status_code=status_code,
        users=users,
        form=form or UserForm(),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        roles=ROLES,
        municipalities=sorted(request.user.municipalities),
        created=created,
        password=password,
        flash=flash,
    )


@get("/admin/users", guards=ADMINS, name="web-admin-users")
async def users_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Users of my municipalities; add one; disable one."""
    flash = "disabled" if request.query_params.get("disabled") == "1" else None
    return await _render_users(request, uow, runtime, flash=flash)


@post("/admin/users", guards=ADMINS, name="web-admin-add-user")
async def add_user(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Add a user; the password (given, or made here) is shown once, on this response only."""
    form = UserForm.from_form(await request.form())
    password = form.password or secrets.token_urlsafe(12)
    try:
        if form.language not in ("fi", "sv", "en"):
            raise InputInvalid("choose the language", field="language")
        if not form.municipalities:
            raise InputInvalid("choose a municipality", field="municipalities")
        created = await runtime.run_db(
            accounts.create_user_as_admin,
            uow,
            principal=request.user,
            now=runtime.clock.now(),
            username=form.username,
            display_name=form.display_name,
            password=password,
            roles=form.roles,
            municipalities=form.municipalities,
            language=form.language,
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind == "forbidden":
            raise
        form.password = ""  # never sent back
        status = 409 if exc.kind == "conflict" else 422
        return await _render_users(
            request, uow, runtime, form=form, errors=[user_error(exc)], status_code=status
        )
    return await _render_users(
        request, uow, runtime, created=created, password=None if form.password else password, status_code=201
    )


@post("/admin/users/{user_id:int}/disable", guards=ADMINS, name="web-admin-disable-user", status_code=303)
async def disable_user(
    request: Request[Principal, Any, Any],
    user_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    if user_id == request.user.user_id:
        raise InputInvalid("you cannot disable yourself", field="user_id")
    await runtime.run_db(
        accounts.disable_user_as_admin, uow, principal=request.user, user_id=user_id, now=runtime.clock.now()
    )
    return see_other("/admin/users?disabled=1")


ROUTES = [
    admin_page,
    sessions_page,
    create_rule,
    rule_page,
    end_rule,
    record_absence,
    users_page,
    add_user,
    disable_user,
]
