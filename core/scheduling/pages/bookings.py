"""The nurse's booking: one screen to choose a time and fill the form (also to move a
booking, or to rebook one whose session was cancelled), then the booking's page.

Without JavaScript the form simply posts; the use case decides every rule, and
its refusals come back as errors beside their fields with what was typed kept.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.intake import public as intake
from sotesilta.core.kernel.clock import HELSINKI, local_date, local_to_utc
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS, is_number
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.rendering import error_page, language_of, page, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, StationView
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus
from sotesilta.core.scheduling.pages.booking_form import (
    CODE_MESSAGES,
    BookingForm,
    form_error,
    parse_search_day,
)
from sotesilta.core.scheduling.pages.booking_lists import ROUTES as LIST_ROUTES
from sotesilta.core.scheduling.pages.booking_view import ROUTES as VIEW_ROUTES
from sotesilta.core.scheduling.service import bookings, sessions, slots
from sotesilta.core.scheduling.service import walk_ins as walk_in_service
from sotesilta.core.scheduling.service.bookings import BookingView
from sotesilta.core.scheduling.service.sessions import SessionView
from sotesilta.core.scheduling.service.slots import FreeSlot, SearchScope

log = logging.getLogger("sotesilta.web")

#: how many times to offer at her station, and nearby
SLOTS_SHOWN = 8
#: how many of the earliest times at any station to offer
EARLIEST_SHOWN = 24


@dataclass(frozen=True)
class BookScreen:
    stations: list[StationView]
    station: StationView | None
    here: list[FreeSlot]
    nearby: list[FreeSlot]
    walk_ins: list[SessionView]
    reasons: list[tuple[str, str]]
    #: the age groups of the station's municipality, as the hint shows them ("18–64")
    age_groups: str = ""
    #: the earliest times at any of her stations, when she asked for them
    earliest: list[FreeSlot] | None = None
    #: the booking being moved or rebooked
    moving: BookingView | None = None
    #: how many wait in each of today's walk-in queues
    waiting: dict[int, int] = field(default_factory=dict)


def _choose_station(
    stations: list[StationView], principal: Principal, wanted: int | None
) -> StationView | None:
    bookable = [s for s in stations if s.booking_mode != BookingMode.WALK_IN.value]
    return (
        next((s for s in stations if s.id == wanted), None)
        or next((s for s in bookable if s.id in principal.station_ids), None)
        or next(iter(bookable), None)
    )


def _helsinki_day(now: datetime) -> tuple[datetime, datetime]:
    today = now.astimezone(HELSINKI).date()
    start = datetime(today.year, today.month, today.day, tzinfo=HELSINKI)
    # the next local midnight, right across a daylight-saving change
    end = datetime.combine(today + timedelta(days=1), start.timetz())
    return start, end


@dataclass(frozen=True)
class Search:
    """What the screen was asked to show: a station, a day to start from, the earliest anywhere."""

    station: int | None = None
    start: date | None = None
    earliest: bool = False
    moving: int | None = None


def _earliest(
    uow: UnitOfWork, principal: Principal, stations: list[StationView], start: datetime | None
) -> list[FreeSlot]:
    """The earliest free times at any bookable station of her municipalities."""
    bookable = {s.id for s in stations if s.booking_mode != BookingMode.WALK_IN.value}
    found: list[FreeSlot] = []
    for municipality in sorted({s.municipality_code for s in stations if s.id in bookable}):
        found += slots.find_free_slots(
            uow,
            principal=principal,
            municipality=municipality,
            scope=SearchScope.MUNICIPALITY,
            start=start,
            limit=EARLIEST_SHOWN,
        )
    return sorted((s for s in found if s.station_id in bookable), key=lambda s: (s.starts_at, s.slot_id))[
        :EARLIEST_SHOWN
    ]


def book_screen(
    uow: UnitOfWork, runtime: Runtime, principal: Principal, search: Search, language: str
) -> BookScreen:
    now = runtime.clock.now()
    moving = None
    if search.moving is not None:
        moving = bookings.get_booking(uow, principal=principal, booking_id=search.moving)
    stations = [
        s for s in organisations.list_stations(uow) if s.municipality_code in principal.municipalities
    ]
    station = _choose_station(stations, principal, search.station)
    if station is None:
        return BookScreen(stations, None, [], [], [], [], moving=moving)
    municipality = station.municipality_code
    start = local_to_utc(search.start, time(0)) if search.start else None
    here = slots.find_free_slots(
        uow,
        principal=principal,
        municipality=municipality,
        station_id=station.id,
        start=start,
        limit=SLOTS_SHOWN,
    )
    nearby = [
        s
        for s in slots.find_free_slots(
            uow,
            principal=principal,
            municipality=municipality,
            station_id=station.id,
            scope=SearchScope.NEARBY,
            start=start,
            limit=SLOTS_SHOWN * 3,
        )
        if s.station_id != station.id
    ][:SLOTS_SHOWN]
    day_start, day_end = _helsinki_day(now)
    walk_ins = [
        s
        for s in sessions.list_sessions(uow, principal=principal, start=day_start, end=day_end)
        if s.walk_in_starts_at is not None and s.status == "scheduled"
    ]
    reasons = [
        (entry.code, entry.label(language))
        for entry in runtime.plugins.code_lists.entries("guidance_reason", municipality)
    ]
    profile = runtime.plugins.municipalities.get(municipality)
    groups = ", ".join(f"{g.minimum}–{g.maximum}" for g in profile.age_groups) if profile else ""
    earliest = _earliest(uow, principal, stations, start) if search.earliest else None
    waiting = walk_in_service.waiting_counts(uow, [s.id for s in walk_ins])
    return BookScreen(stations, station, here, nearby, walk_ins, reasons, groups, earliest, moving, waiting)


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    search: Search,
    form: BookingForm,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    language = language_of(request)
    screen = await runtime.run_db(book_screen, uow, runtime, request.user, search, language)
    return page(
        request,
        "book.html",
        status_code=status_code,
        language=language,
        screen=screen,
        form=form,
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        station_names={s.id: (s.name_sv if language == "sv" else s.name_fi) for s in screen.stations},
    )


def _search_of(form: BookingForm, station: int | None, today: date, *, earliest: bool) -> Search:
    """The search the form asks for; an unreadable day raises ``InputInvalid``."""
    moving = int(form.move_from) if is_number(form.move_from) else None
    return Search(station, parse_search_day(form.search_from, today), earliest, moving)


@get("/book", guards=BOOKERS, name="web-book")
async def book_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    station: FromQuery[int | None] = None,
    earliest: FromQuery[bool] = False,
    contact_request: FromQuery[int | None] = None,
) -> Template:
    form = BookingForm(idempotency_key=str(uuid.uuid4()))
    if contact_request is not None:
        # booking from a member of the public's contact request: the form starts with
        # what they gave (a logged reading), and the request is marked booked with it
        prefill = await runtime.run_db(
            intake.booking_prefill, uow, principal=request.user, request_id=contact_request
        )
        form.client_name, form.client_phone = prefill.name, prefill.phone or ""
        form.preferred_language, form.contact_request = prefill.language, str(prefill.request_id)
        station = station if station is not None else prefill.station_id
    return await _render(request, uow, runtime, Search(station, None, earliest), form, [])


@get("/bookings/{booking_id:int}/move", guards=BOOKERS, name="web-booking-move")
async def move_page(
    request: Request[Principal, Any, Any],
    booking_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The booking form, filled in as the booking was made: she only picks the new time."""
    view = await runtime.run_db(bookings.get_booking, uow, principal=request.user, booking_id=booking_id)
    if view.status != AppointmentStatus.BOOKED.value and not view.orphaned:
        return error_page(request, 409, detail=CODE_MESSAGES["booking-state"])
    form = BookingForm.from_booking(view)
    return await _render(request, uow, runtime, Search(view.station_id, moving=view.id), form, [])


@post("/book", guards=BOOKERS, name="web-book-submit", status_code=303)
async def book(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Book (or move) the time; or, with ``action``, only show other times, keeping the form."""
    posted = await request.form()
    form = BookingForm.from_form(posted)
    station = str(posted.get("station") or "")
    wanted = int(station) if is_number(station) else None
    action = str(posted.get("action") or "book")
    today = local_date(runtime.clock.now())
    try:
        search = _search_of(form, wanted, today, earliest=action == "earliest")
    except DomainError as exc:
        error = form_error(exc, registry=runtime.plugins.municipalities, municipality=None)
        search = Search(wanted, None, False, int(form.move_from) if is_number(form.move_from) else None)
        return await _render(request, uow, runtime, search, form, [error], 422)
    if action in ("show", "earliest"):
        return await _render(request, uow, runtime, search, form, [])
    blanks = form.blanks()
    if blanks:
        errors = [form_error(e, registry=runtime.plugins.municipalities, municipality=None) for e in blanks]
        return await _render(request, uow, runtime, search, form, errors, 422)
    try:
        booked = await runtime.run_db(_book_or_move, uow, request.user, form)
    except DomainError as exc:
        uow.rollback()
        status = 409 if exc.kind == "conflict" else 422
        municipality = await runtime.run_db(_station_municipality, uow, wanted)
        if municipality is None and len(request.user.municipalities) == 1:
            municipality = next(iter(request.user.municipalities))
        error = form_error(exc, registry=runtime.plugins.municipalities, municipality=municipality)
        if error.target == "slots":
            form.slot_id = form.hold_id = ""  # that time is gone: do not offer it again
        return await _render(request, uow, runtime, search, form, [error], status)
    return see_other(f"/bookings/{booked.booking.id}")


def _book_or_move(uow: UnitOfWork, principal: Principal, form: BookingForm) -> bookings.Booked:
    request = form.to_request()
    key = form.idempotency_key or None
    if not is_number(form.move_from):
        booked = bookings.create_booking(uow, principal=principal, request=request, idempotency_key=key)
        if is_number(form.contact_request):
            _mark_contact_request(uow, principal, int(form.contact_request), booked.booking.id)
        return booked
    return bookings.reschedule_booking(
        uow,
        principal=principal,
        booking_id=int(form.move_from),
        slot_id=request.slot_id,
        hold_id=request.hold_id,
        idempotency_key=key,
        changes=request,
    )


def _mark_contact_request(uow: UnitOfWork, principal: Principal, request_id: int, booking_id: int) -> None:
    """The booking is made (and committed); a request that cannot be marked (moved on
    meanwhile) keeps the booking, and the instructor links it on the request's page."""
    try:
        intake.mark_booked(uow, principal=principal, request_id=request_id, booking_id=booking_id)
    except DomainError as exc:
        uow.rollback()
        log.warning(
            "contact request not marked booked", extra={"contact_request": request_id, "code": exc.code}
        )


def _station_municipality(uow: UnitOfWork, station_id: int | None) -> str | None:
    found = [s for s in organisations.list_stations(uow) if s.id == station_id]
    return found[0].municipality_code if found else None


ROUTES = [book_page, move_page, book, *VIEW_ROUTES, *LIST_ROUTES]
