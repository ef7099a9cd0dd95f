"""Lists of bookings: hers and her stations' upcoming ones (or one day's), and the times to
rebook, where an entry leaves the list once it is rebooked or dismissed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from sotesilta.core.kernel.clock import local_date, local_to_utc
from sotesilta.core.kernel.errors import BookingStateInvalid, DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS
from sotesilta.core.kernel.web.forms import FormError
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations.public import station_names
from sotesilta.core.scheduling.pages.booking_form import parse_form_day
from sotesilta.core.scheduling.service import booking_lists, bookings, slots
from sotesilta.core.scheduling.service.booking_lists import BookingLine
from sotesilta.core.scheduling.service.bookings import OrphanedBooking
from sotesilta.core.scheduling.service.slots import SearchScope

#: how far back (and ahead) a day may be searched
DAYS_BACK = timedelta(days=365)
DAY_MESSAGE = N_("Give the day as a date, e.g. 3.3.2026, at most a year from today.")


def parse_day(value: str, today: date) -> date | None:
    """A searched day: blank for all upcoming; within a year either way of today."""
    return parse_form_day(value, "day", today - DAYS_BACK, today + DAYS_BACK)


def _read_list(
    uow: UnitOfWork, principal: Principal, now: datetime, day: date | None, language: str
) -> tuple[list[BookingLine], dict[int, str]]:
    if day is None:
        found = booking_lists.list_bookings(uow, principal=principal, start=now)
    else:
        start = local_to_utc(day, time(0))
        end = local_to_utc(day + timedelta(days=1), time(0))
        found = booking_lists.list_bookings(uow, principal=principal, start=start, end=end, booked_only=False)
    return found, station_names(uow, language)


@get("/bookings", guards=BOOKERS, name="web-bookings")
async def bookings_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    day: FromQuery[str] = "",
) -> Template:
    """Her own upcoming bookings, and her stations' (a colleague's without the client)."""
    language = language_of(request)
    now = runtime.clock.now()
    typed = day.strip()[:20]
    errors: list[FormError] = []
    try:
        searched = parse_day(typed, local_date(now))
    except InputInvalid:
        searched = None
        errors = [FormError(DAY_MESSAGE, {}, "day")]
    found, names = await runtime.run_db(_read_list, uow, request.user, now, searched, language)
    return page(
        request,
        "bookings.html",
        status_code=422 if errors else 200,
        language=language,
        day=typed,
        searched=searched,
        mine=[b for b in found if b.mine],
        others=[b for b in found if not b.mine],
        station_names=names,
        errors=errors,
        field_errors={e.target: e for e in errors},
    )


@dataclass(frozen=True)
class Rebook:
    """A time to rebook, with how many free times there are near its station now."""

    orphan: OrphanedBooking
    free_nearby: int


def _read_orphaned(
    uow: UnitOfWork, principal: Principal, language: str
) -> tuple[list[Rebook], dict[int, str]]:
    found = []
    for orphan in bookings.list_orphaned_bookings(uow, principal=principal):
        view = orphan.booking
        count = slots.count_free_slots(
            uow,
            principal=principal,
            municipality=view.municipality_code,
            station_id=view.station_id,
            scope=SearchScope.NEARBY,
        )
        found.append(Rebook(orphan, count))
    return found, station_names(uow, language)


async def _render_orphaned(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    *,
    dismissing: dict[str, str] | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    language = language_of(request)
    found, names = await runtime.run_db(_read_orphaned, uow, request.user, language)
    return page(
        request,
        "orphaned.html",
        status_code=status_code,
        language=language,
        orphaned=found,
        station_names=names,
        dismissing=dismissing or {},
        errors=errors or [],
        field_errors={e.target: e for e in errors or [] if e.target},
    )


@get("/orphaned", guards=BOOKERS, name="web-orphaned")
async def orphaned_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Bookings I made whose session was cancelled: each client needs a new time."""
    return await _render_orphaned(request, uow, runtime)


def _dismiss(uow: UnitOfWork, principal: Principal, booking_id: int, reason: str) -> None:
    # cancelling is also how a standing booking ends: here only a time to rebook may go
    if not bookings.get_booking(uow, principal=principal, booking_id=booking_id).orphaned:
        raise BookingStateInvalid(f"booking {booking_id} is not on the times to rebook")
    bookings.cancel_booking(uow, principal=principal, booking_id=booking_id, reason=reason)


@post("/orphaned/{booking_id:int}/dismiss", guards=BOOKERS, name="web-orphaned-dismiss", status_code=303)
async def dismiss_orphaned(
    request: Request[Principal, Any, Any],
    booking_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Take a time off the list without a new one (the client needs none, or booked elsewhere)."""
    posted = await request.form()
    reason = str(posted.get("reason") or "").strip()[:600]
    try:
        await runtime.run_db(_dismiss, uow, request.user, booking_id, reason)
    except DomainError as exc:
        status = refusal_status(uow, exc)  # not hers: the 404 page
        message = (
            N_("Write why no new time is needed (at most 500 characters).")
            if exc.field == "reason"
            else N_("This time is no longer on your list.")
        )
        target = f"dismiss-{booking_id}" if exc.field == "reason" else ""
        return await _render_orphaned(
            request,
            uow,
            runtime,
            dismissing={str(booking_id): reason},
            errors=[FormError(message, {}, target)],
            status_code=status,
        )
    return see_other("/orphaned")


ROUTES = [bookings_page, orphaned_page, dismiss_orphaned]
