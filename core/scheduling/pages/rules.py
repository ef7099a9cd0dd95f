"""Changing a session rule going forward: end it from a day on, and optionally start its
replacement, pre-filled from it, in the same change (``endSessionRule``'s use case)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from babel.dates import get_day_names
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import DomainError, RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import LOCALES, N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import StationView, WorkerView
from sotesilta.core.scheduling.pages.schedule_forms import RuleForm, parse_day, schedule_error
from sotesilta.core.scheduling.service import rules as session_rules
from sotesilta.core.scheduling.service.rules import RuleView, SessionRuleHasBookings


@dataclass
class EndForm:
    """The day the change starts, what to do with bookings, and the replacement rule."""

    from_date: str = ""
    orphan: bool = False
    replace: bool = False
    rule: RuleForm = field(default_factory=RuleForm)

    @classmethod
    def from_form(cls, form: FormMultiDict) -> EndForm:
        return cls(
            from_date=text_field(form, "from_date", 10),
            orphan=form.get("orphan") == "yes",
            replace=form.get("replace") == "yes",
            rule=RuleForm.from_form(form),
        )


@dataclass(frozen=True)
class RuleScreen:
    rule: RuleView
    workers: list[WorkerView]
    stations: list[StationView]
    station_names: dict[int, str]
    weekdays: list[str]


def rule_screen(uow: UnitOfWork, principal: Principal, rule_id: int, language: str) -> RuleScreen:
    rules = session_rules.list_session_rules(uow, principal=principal)
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        raise RecordNotFound(f"no session rule {rule_id}")
    workers = organisations.list_workers(uow, municipalities=principal.municipalities)
    stations = [
        s for s in organisations.list_stations(uow) if s.municipality_code in principal.municipalities
    ]
    names = {s.id: (s.name_sv if language == "sv" else s.name_fi) for s in stations}
    days = get_day_names("wide", context="stand-alone", locale=LOCALES.get(language, LOCALES["fi"]))
    return RuleScreen(rule, workers, stations, names, [days[i] for i in range(7)])


def next_on_weekday(after: date, weekday: int) -> date:
    """The first day after ``after`` that falls on ``weekday``."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    rule_id: int,
    *,
    form: EndForm | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    language = language_of(request)
    screen = await runtime.run_db(rule_screen, uow, request.user, rule_id, language)
    if form is None:
        start = next_on_weekday(local_date(runtime.clock.now()), screen.rule.weekday)
        form = EndForm(from_date=start.isoformat(), rule=RuleForm.from_rule(screen.rule, start))
    return page(
        request,
        "admin_rule.html",
        status_code=status_code,
        language=language,
        screen=screen,
        form=form,
        errors=errors or [],
    )


@get("/admin/rules/{rule_id:int}", guards=ADMINS, name="web-admin-rule-page")
async def rule_page(
    request: Request[Principal, Any, Any],
    rule_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """One rule: end it from a day on, optionally with a replacement pre-filled from it."""
    return await _render(request, uow, runtime, rule_id)


def end_error(exc: DomainError) -> FormError:
    if isinstance(exc, SessionRuleHasBookings):
        if exc.extra.get("walk_ins"):
            return FormError(
                N_("Walk-in clients are registered in the rule's later sessions: end it after them."),
                {},
                "end-from",
            )
        # the count as a label's value: Finnish and Swedish need no plural form for it
        return FormError(
            N_(
                "Bookings in the rule's later sessions: %(num)s. Tick the box to cancel them onto the "
                "bookers' times to rebook, or have the bookers move them first (see below)."
            ),
            {"num": exc.extra.get("bookings", 0)},
            "end-orphan",
        )
    if exc.field == "from_date":
        return FormError(
            N_("Give the day the change starts: today or later, and not after the rule already ends."),
            {},
            "end-from",
        )
    if exc.field == "first_date" and exc.kind == "invalid":
        return FormError(
            N_("The new rule starts on the day the change starts or later, on its weekday."), {}, "rule-first"
        )
    return schedule_error(exc, "rule")


@post("/admin/rules/{rule_id:int}/end", guards=ADMINS, name="web-admin-end-rule", status_code=303)
async def end_rule(
    request: Request[Principal, Any, Any],
    rule_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = EndForm.from_form(await request.form())
    try:
        from_date = parse_day(form.from_date, "from_date")
        replacement = form.rule.to_draft() if form.replace else None
        ended = await runtime.run_db(
            session_rules.end_session_rule,
            uow,
            principal=request.user,
            rule_id=rule_id,
            from_date=from_date,
            orphan=form.orphan,
            replacement=replacement,
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)
        return await _render(
            request, uow, runtime, rule_id, form=form, errors=[end_error(exc)], status_code=status
        )
    query = f"ended={ended.cancelled_sessions}&orphaned={ended.orphaned_bookings}&kept={ended.kept_sessions}"
    if ended.replacement_id is not None:
        query += f"&sessions={ended.replacement_sessions}"
    return see_other(f"/admin/sessions?{query}")


ROUTES = [rule_page, end_rule]
