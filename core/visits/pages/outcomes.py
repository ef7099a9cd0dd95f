"""Recording a visit's outcome from the worklist: one screen, a few clicks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.errors import DomainError, RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.rendering import error_page, language_of, page, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.visits.pages.outcome_form import STALE, OutcomeForm, outcome_error
from sotesilta.core.visits.service import history as visit_history
from sotesilta.core.visits.service import outcomes as visits
from sotesilta.core.visits.service.history import RecordedVisit, VisitHistory


@dataclass(frozen=True)
class VisitRef:
    kind: str  # "booking" or "walk_in"
    id: int
    starts_at: datetime
    station_id: int


@dataclass(frozen=True)
class OutcomeScreen:
    visit: VisitRef
    station_name: str
    topics: list[tuple[str, str]]
    targets: list[tuple[str, str]]
    #: a recorded visit's outcome and its corrections; None while it waits for its first
    history: VisitHistory | None = None


def outcome_screen(
    uow: UnitOfWork, runtime: Runtime, principal: Principal, kind: str, visit_id: int, language: str
) -> OutcomeScreen:
    """The visit from my worklist of missing outcomes, or one of mine already recorded (to correct
    it), and the code lists of its municipality."""
    missing = visits.list_missing_outcomes(uow, principal=principal)
    waiting = next((m for m in missing if m.kind == kind and m.id == visit_id), None)
    history = None
    if waiting is not None:
        visit = VisitRef(waiting.kind, waiting.id, waiting.starts_at, waiting.station_id)
    else:
        history = visit_history.read_visit_history(
            uow,
            principal=principal,
            booking_id=visit_id if kind == "booking" else None,
            walk_in_id=visit_id if kind == "walk_in" else None,
        )
        if history.visit is None:
            raise RecordNotFound(f"no visit {kind} {visit_id} waiting for an outcome")
        visit = VisitRef(kind, visit_id, history.starts_at, history.station_id)
    station = next((s for s in organisations.list_stations(uow) if s.id == visit.station_id), None)
    if station is None:
        raise RecordNotFound(f"no station {visit.station_id}")
    codes = runtime.plugins.code_lists
    municipality = station.municipality_code
    return OutcomeScreen(
        visit,
        station.name_sv if language == "sv" else station.name_fi,
        [(e.code, e.label(language)) for e in codes.entries("topic", municipality)],
        [(e.code, e.label(language)) for e in codes.entries("referral_target", municipality)],
        history,
    )


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    form: OutcomeForm,
    errors: list[FormError],
    status_code: int = 200,
    *,
    prefill: bool = False,
) -> Template:
    language = language_of(request)
    booking_id, walk_in_id = form.target()
    kind, visit_id = ("booking", booking_id) if booking_id is not None else ("walk_in", walk_in_id)
    screen = await runtime.run_db(
        outcome_screen, uow, runtime, request.user, kind, int(visit_id or 0), language
    )
    current = screen.history.visit if screen.history else None
    if current is not None and prefill:
        form = OutcomeForm.from_visit(kind, int(visit_id or 0), current)
    elif current is not None and any(e.message == STALE for e in errors):
        form.revision = str(current.revision)  # saving again replaces what she has now seen
    elif current is None and prefill:
        form.revision = "0"
    return page(
        request,
        "outcome.html",
        status_code=status_code,
        language=language,
        screen=screen,
        form=form,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        corrected=request.query_params.get("corrected") == "1",
    )


@get("/work/outcome", guards=INSTRUCTORS, name="web-outcome")
async def outcome_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    booking: FromQuery[int | None] = None,
    walk_in: FromQuery[int | None] = None,
) -> Template:
    if booking is not None:
        form = OutcomeForm(kind="booking", id=str(booking))
    else:
        form = OutcomeForm(kind="walk_in", id="" if walk_in is None else str(walk_in))
    return await _render(request, uow, runtime, form, [], prefill=True)


@post("/work/outcome", guards=INSTRUCTORS, name="web-outcome-submit", status_code=303)
async def record_outcome(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    form = OutcomeForm.from_form(await request.form())
    booking_id, walk_in_id = form.target()  # unreadable: the 422 page, nothing written
    try:
        view = await runtime.run_db(
            visits.record_visit_outcome,
            uow,
            principal=request.user,
            record=form.to_record(),
            booking_id=booking_id,
            walk_in_id=walk_in_id,
            expected_revision=form.expected_revision(),
        )
    except DomainError as exc:
        uow.rollback()
        status = 409 if exc.kind == "conflict" else 404 if exc.kind == "not_found" else 422
        if status == 404:
            raise
        error = outcome_error(exc)
        try:
            return await _render(request, uow, runtime, form, [error], status)
        except RecordNotFound:
            # not on the worklist (e.g. a visit still to come): the refusal on its own page
            return error_page(request, status, detail=None if error.params else error.message)
    if view.revision > 1:  # a correction: back to the visit, its history grown by one
        return see_other(f"/work/outcome?{form.kind}={form.id}&corrected=1")
    day = local_date(view.occurred_at).isoformat()
    return see_other(f"/work?day={day}&recorded=1")


@dataclass(frozen=True)
class RecordedScreen:
    visits: list[RecordedVisit]
    station_names: dict[int, str]


def recorded_screen(uow: UnitOfWork, principal: Principal, language: str) -> RecordedScreen:
    found = visit_history.list_recorded_visits(uow, principal=principal)
    names = {s.id: (s.name_sv if language == "sv" else s.name_fi) for s in organisations.list_stations(uow)}
    return RecordedScreen(found, names)


@get("/work/outcomes", guards=INSTRUCTORS, name="web-outcomes")
async def recorded_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Outcomes recorded in the last two weeks, each with a link to correct it."""
    language = language_of(request)
    screen = await runtime.run_db(recorded_screen, uow, request.user, language)
    return page(request, "outcome_list.html", language=language, screen=screen)


ROUTES = [outcome_page, record_outcome, recorded_page]
