"""The instructor's day and week, the walk-in queue, and the worklist of missing outcomes.

Every figure comes from a use case, which decides what the instructor may see
and logs each read of a client's data: the day shows times and states, never a
client's name (opening a booking does that, and is logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import HELSINKI, local_date
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import INSTRUCTORS
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import station_names
from sotesilta.core.rehab import public as contacts
from sotesilta.core.rehab.public import Appointment
from sotesilta.core.scheduling import public as sessions
from sotesilta.core.scheduling import public as walk_ins
from sotesilta.core.scheduling.public import Queue, SessionView
from sotesilta.core.visits import public as visits
from sotesilta.core.visits.public import MissingOutcome

#: how far from today the day and week pages go
MAX_DAYS_AWAY = 400


def parse_day(value: str | None, today: date, field_name: str = "day") -> date:
    """A ``YYYY-MM-DD`` from the address, within a year or so of today."""
    if not value:
        return today
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InputInvalid("give the day as YYYY-MM-DD", field=field_name) from None
    if abs((day - today).days) > MAX_DAYS_AWAY:
        raise InputInvalid("that day is too far away", field=field_name)
    return day


def local_midnight(day: date) -> datetime:
    """The start of a Helsinki day, right across a daylight-saving change."""
    return datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


@dataclass(frozen=True)
class DayEntry:
    appointment: Appointment
    session: SessionView | None  # for a session: its station, walk-in and counts
    missing_outcome: bool  # a past booking without an outcome
    bookings: int = 0  # for a session: its bookings, whatever their state (realised ones too)


@dataclass
class WorkScreen:
    first_day: date
    days: list[date]
    has_worker: bool
    entries: dict[date, list[DayEntry]] = field(default_factory=dict)
    queues: list[tuple[SessionView, Queue]] = field(default_factory=list)
    missing: list[MissingOutcome] = field(default_factory=list)
    station_names: dict[int, str] = field(default_factory=dict)


def work_screen(
    uow: UnitOfWork,
    principal: Principal,
    first_day: date,
    days: int,
    language: str,
    *,
    with_queues: bool,
) -> WorkScreen:
    all_days = [first_day + timedelta(days=n) for n in range(days)]
    start, end = local_midnight(all_days[0]), local_midnight(all_days[-1] + timedelta(days=1))
    names = station_names(uow, language)
    worker_id = organisations.own_worker_id(uow, principal)
    missing = visits.list_missing_outcomes(uow, principal=principal)
    screen = WorkScreen(first_day, all_days, worker_id is not None, missing=missing, station_names=names)
    if worker_id is None:
        return screen
    schedule = contacts.worker_schedule(uow, principal=principal, worker_id=worker_id, start=start, end=end)
    own_sessions = {
        s.id: s
        for s in sessions.list_sessions(uow, principal=principal, start=start, end=end, worker_id=worker_id)
    }
    open_bookings = {m.id for m in missing if m.kind == "booking"}
    for day in all_days:
        screen.entries[day] = []
    for appointment in schedule:
        day = local_date(appointment.starts_at)
        if day not in screen.entries:
            continue  # began the evening before
        session = own_sessions.get(appointment.id) if appointment.kind == "guidance_session" else None
        missing_outcome = appointment.kind == "booking" and appointment.id in open_bookings
        inside = (
            sum(
                1
                for other in schedule
                if other.kind == "booking" and appointment.starts_at <= other.starts_at < appointment.ends_at
            )
            if session is not None
            else 0
        )
        screen.entries[day].append(DayEntry(appointment, session, missing_outcome, inside))
    if with_queues:
        for session in own_sessions.values():
            if session.walk_in_starts_at is None or not session.walk_in_capacity:
                continue
            try:
                queue = walk_ins.walk_in_queue(uow, principal=principal, session_id=session.id)
            except DomainError:
                continue  # a station that takes bookings only
            screen.queues.append((session, queue))
    return screen


def _flash(called: str | None, empty: str | None, recorded: str | None) -> dict[str, Any]:
    return {
        "called": int(called) if called and called.isdigit() and len(called) < 5 else None,
        "queue_empty": empty == "1",
        "recorded": recorded == "1",
    }


@get("/work", guards=INSTRUCTORS, name="web-work-day")
async def day_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    day: FromQuery[str | None] = None,
    called: FromQuery[str | None] = None,
    queue_empty: FromQuery[str | None] = None,
    recorded: FromQuery[str | None] = None,
) -> Template:
    """My day: sessions, bookings, contacts and absences; the walk-in queue; missing outcomes."""
    today = local_date(runtime.clock.now())
    chosen = parse_day(day, today)
    language = language_of(request)
    screen = await runtime.run_db(work_screen, uow, request.user, chosen, 1, language, with_queues=True)
    return page(
        request,
        "work_day.html",
        language=language,
        screen=screen,
        day=chosen,
        today=today,
        previous_day=chosen - timedelta(days=1),
        next_day=chosen + timedelta(days=1),
        week_start=chosen - timedelta(days=chosen.weekday()),
        **_flash(called, queue_empty, recorded),
    )


@get("/work/week", guards=INSTRUCTORS, name="web-work-week")
async def week_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    start: FromQuery[str | None] = None,
) -> Template:
    """My week, Monday to Sunday."""
    today = local_date(runtime.clock.now())
    chosen = parse_day(start, today, "start")
    monday = chosen - timedelta(days=chosen.weekday())
    language = language_of(request)
    screen = await runtime.run_db(work_screen, uow, request.user, monday, 7, language, with_queues=False)
    return page(
        request,
        "work_week.html",
        language=language,
        screen=screen,
        today=today,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
    )


@post("/work/sessions/{session_id:int}/call-next", guards=INSTRUCTORS, name="web-call-next", status_code=303)
async def call_next(
    request: Request[Principal, Any, Any],
    session_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Call the lowest waiting number; back to the day with the number called."""
    form = await request.form()
    day = parse_day(str(form.get("day") or ""), local_date(runtime.clock.now()))
    try:
        entry = await runtime.run_db(
            walk_ins.call_next_walk_in,
            uow,
            principal=request.user,
            session_id=session_id,
        )
    except walk_ins.WalkInQueueEmpty:
        uow.rollback()
        return see_other(f"/work?day={day.isoformat()}&queue_empty=1#walk-in")
    return see_other(f"/work?day={day.isoformat()}&called={entry.number}#walk-in")


ROUTES = [day_page, week_page, call_next]
