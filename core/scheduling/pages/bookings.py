"""The nurse's booking: one screen to choose a time and fill the form, one to confirm.

Without JavaScript the form simply posts; the use case decides every rule, and
its refusals come back as errors beside their fields with what was typed kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, StationView, station_names
from sotesilta.core.scheduling.pages.booking_form import BookingForm, form_error
from sotesilta.core.scheduling.service import bookings, client_links, sessions, slots
from sotesilta.core.scheduling.service.bookings import OrphanedBooking
from sotesilta.core.scheduling.service.sessions import SessionView
from sotesilta.core.scheduling.service.slots import FreeSlot, SearchScope

#: how many times to offer at her station, and nearby
SLOTS_SHOWN = 8


@dataclass(frozen=True)
class BookScreen:
    stations: list[StationView]
    station: StationView | None
    here: list[FreeSlot]
    nearby: list[FreeSlot]
    walk_ins: list[SessionView]
    reasons: list[tuple[str, str]]


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


def book_screen(
    uow: UnitOfWork, runtime: Runtime, principal: Principal, wanted: int | None, language: str
) -> BookScreen:
    now = runtime.clock.now()
    stations = [
        s for s in organisations.list_stations(uow) if s.municipality_code in principal.municipalities
    ]
    station = _choose_station(stations, principal, wanted)
    if station is None:
        return BookScreen(stations, None, [], [], [], [])
    municipality = station.municipality_code
    here = slots.find_free_slots(
        uow, principal=principal, municipality=municipality, station_id=station.id, limit=SLOTS_SHOWN
    )
    nearby = [
        s
        for s in slots.find_free_slots(
            uow,
            principal=principal,
            municipality=municipality,
            station_id=station.id,
            scope=SearchScope.NEARBY,
            limit=SLOTS_SHOWN * 3,
        )
        if s.station_id != station.id
    ][:SLOTS_SHOWN]
    start, end = _helsinki_day(now)
    walk_ins = [
        s
        for s in sessions.list_sessions(uow, principal=principal, start=start, end=end)
        if s.walk_in_starts_at is not None and s.status == "scheduled"
    ]
    reasons = [
        (entry.code, entry.label(language))
        for entry in runtime.plugins.code_lists.entries("guidance_reason", municipality)
    ]
    return BookScreen(stations, station, here, nearby, walk_ins, reasons)


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    wanted: int | None,
    form: BookingForm,
    errors: list[FormError],
    status_code: int = 200,
) -> Template:
    language = language_of(request)
    screen = await runtime.run_db(book_screen, uow, runtime, request.user, wanted, language)
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


@get("/book", guards=BOOKERS, name="web-book")
async def book_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    station: FromQuery[int | None] = None,
) -> Template:
    form = BookingForm(idempotency_key=str(uuid.uuid4()))
    return await _render(request, uow, runtime, station, form, [])


@post("/book", guards=BOOKERS, name="web-book-submit", status_code=303)
async def book(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    form = BookingForm.from_form(posted)
    station = str(posted.get("station") or "")
    wanted = int(station) if station.isdigit() else None
    blanks = form.blanks()
    if blanks:
        errors = [form_error(e, registry=runtime.plugins.municipalities, municipality=None) for e in blanks]
        return await _render(request, uow, runtime, wanted, form, errors, 422)
    try:
        booked = await runtime.run_db(
            bookings.create_booking,
            uow,
            principal=request.user,
            request=form.to_request(),
            idempotency_key=form.idempotency_key or None,
        )
    except DomainError as exc:
        uow.rollback()
        municipality = await runtime.run_db(_station_municipality, uow, wanted)
        if municipality is None and len(request.user.municipalities) == 1:
            municipality = next(iter(request.user.municipalities))
        error = form_error(exc, registry=runtime.plugins.municipalities, municipality=municipality)
        if error.target == "slots":
            form.slot_id = form.hold_id = ""  # that time is gone: do not offer it again
        status = 409 if exc.kind == "conflict" else 422
        return await _render(request, uow, runtime, wanted, form, [error], status)
    return see_other(f"/bookings/{booked.booking.id}")


def _station_municipality(uow: UnitOfWork, station_id: int | None) -> str | None:
    found = [s for s in organisations.list_stations(uow) if s.id == station_id]
    return found[0].municipality_code if found else None


@get("/bookings/{booking_id:int}", guards=BOOKERS, name="web-booking")
async def booking_page(
    request: Request[Principal, Any, Any],
    booking_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The confirmation: what was booked, the client's printable instructions, the .ics."""
    view = await runtime.run_db(
        bookings.get_booking,
        uow,
        principal=request.user,
        booking_id=booking_id,
    )
    # the printed instructions carry the client's feedback link (and its QR code)
    view = bookings.with_feedback_link(
        view,
        secret=runtime.secret,
        base_url=runtime.settings.public_base_url,
        forms=runtime.plugins.feedback_forms,
    )
    language = language_of(request)
    stations = await runtime.run_db(organisations.list_stations, uow, municipality=view.municipality_code)
    station = next((s for s in stations if s.id == view.station_id), None)
    labels = {
        e.code: e.label(language)
        for e in runtime.plugins.code_lists.entries("guidance_reason", view.municipality_code)
    }
    invitation: str | None = request.app.state.get("invitation_path")
    token = client_links.link_token(runtime.secret, view.reference)
    return page(
        request,
        "booking.html",
        language=language,
        booking=view,
        station_name=(station.name_sv if language == "sv" else station.name_fi)
        if station
        else view.instructions.place,
        reasons=[labels.get(code, code) for code in view.reasons],
        invitation_url=invitation.replace("{booking_id:int}", str(view.id)) if invitation else None,
        client_url=f"{runtime.settings.public_base_url}/c/{token}",
    )


@get("/orphaned", guards=BOOKERS, name="web-orphaned")
async def orphaned_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Bookings I made whose session was cancelled: each client needs a new time."""
    language = language_of(request)

    def read(uow: UnitOfWork) -> tuple[list[OrphanedBooking], dict[int, str]]:
        found = bookings.list_orphaned_bookings(
            uow,
            principal=request.user,
        )
        return found, station_names(uow, language)

    found, names = await runtime.run_db(read, uow)
    return page(request, "orphaned.html", language=language, orphaned=found, station_names=names)


ROUTES = [book_page, book, booking_page, orphaned_page]
