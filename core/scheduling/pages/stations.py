"""A county's stations on the admin's pages: add one, change it, close or reopen it. Here, not
in organisations, because closing a station cancels its sessions and bookings (whose booked
visits ahead go to the bookers' times to rebook only when the admin says so)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.kernel.errors import DomainError, InputInvalid, RecordNotFound
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError, counted_error, draft_of, text_field
from sotesilta.core.kernel.web.i18n import N_, N_plural
from sotesilta.core.kernel.web.rendering import page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, StationDraft, StationKind
from sotesilta.core.scheduling.service import stations
from sotesilta.core.scheduling.service.stations import StationHasBookings

FIELDS = ("key", "municipality_code", "name_fi", "name_sv", "address", "address_sv", "phone", "provider")
STATION_MESSAGES = {
    "key": N_("Give a key of 2–64 characters: lower-case letters a–z, digits, '-' or '_'; not one in use."),
    "municipality_code": N_("Choose a municipality of your county."),
    "name_fi": N_("Give the name in Finnish (1–200 characters)."),
    "name_sv": N_("Give the name in Swedish (1–200 characters)."),
    "address": N_("Give the address in Finnish (1–300 characters)."),
    "address_sv": N_("Give the address in Swedish (at most 300 characters), or leave it empty."),
    "phone": N_("Give a telephone number, e.g. +358 9 816 31300, or leave it empty."),
    "provider": N_("Give the provider's name (at most 200 characters), or leave it empty."),
    "booking_mode": N_("Choose how clients come to the station."),
    "kind": N_("Choose the kind of station."),
}


def station_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: text_field(form, name, 300) for name in FIELDS}
    values["booking_mode"] = text_field(form, "booking_mode", 16)
    values["kind"] = text_field(form, "kind", 32)
    values["active"] = form.get("active") == "yes"
    return values


def station_error(exc: DomainError) -> FormError:
    if isinstance(exc, StationHasBookings):
        if "bookings" not in exc.extra:
            return FormError(
                N_("Walk-in clients are registered in a later session at the station: close it after them."),
                {},
                "active",
            )
        return counted_error(
            N_plural(
                "The station has %(num)s booked visit ahead. Tick the box to cancel it onto the "
                "booker's times to rebook, or move it first.",
                "The station has %(num)s booked visits ahead. Tick the box to cancel them onto the "
                "bookers' times to rebook, or move them first.",
            ),
            "rebook",
            len(exc.extra["bookings"]),  # type: ignore[arg-type]
        )
    if exc.field in STATION_MESSAGES:
        return FormError(STATION_MESSAGES[exc.field or ""], {}, exc.field or "")
    return FormError(N_("The change was not saved: %(reason)s"), {"reason": exc.detail}, "")


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    values: dict[str, Any],
    *,
    station_id: int | None = None,
    errors: list[FormError] | None = None,
    bookings: list[tuple[int, datetime]] | None = None,
    status_code: int = 200,
) -> Template:
    def read(uow: UnitOfWork) -> list[tuple[str, str, str]]:
        return organisations.county_municipalities(uow, counties=request.user.counties)

    errors = errors or []
    return page(
        request,
        "admin_station.html",
        status_code=status_code,
        station_id=station_id,
        form=values,
        municipalities=await runtime.run_db(read, uow),
        booking_modes=[m.value for m in BookingMode],
        kinds=[k.value for k in StationKind],
        bookings=bookings or [],
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
    )


@get("/admin/stations/new", guards=ADMINS, name="web-admin-new-station")
async def new_station_page(
    request: Request[Principal, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Template:
    values = {name: "" for name in FIELDS} | {
        "booking_mode": BookingMode.BOOKED.value,
        "kind": StationKind.HEALTH_STATION.value,
        "active": True,
    }
    return await _render(request, uow, runtime, values)


@get("/admin/stations/{station_id:int}", guards=ADMINS, name="web-admin-station")
async def station_page(
    request: Request[Principal, Any, Any],
    station_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    found = await runtime.run_db(organisations.county_stations, uow, counties=request.user.counties)
    station = next((s for s in found if s.id == station_id), None)
    if station is None:
        raise RecordNotFound(f"no station {station_id}")
    values = {name: getattr(station, name) for name in (*FIELDS, "booking_mode", "kind", "active")}
    return await _render(request, uow, runtime, values, station_id=station_id)


async def _save(
    request: Request[Principal, Any, Any], uow: UnitOfWork, runtime: Runtime, station_id: int | None
) -> Response[Any]:
    form = await request.form()
    values = station_values(form)
    try:
        draft = draft_of(StationDraft, values)
        if station_id is None:
            await runtime.run_db(organisations.create_station, uow, by=request.user, draft=draft)
        else:
            await runtime.run_db(
                stations.update_station_checked,
                uow,
                by=request.user,
                station_id=station_id,
                draft=draft,
                rebook=form.get("rebook") == "yes",
            )
    except DomainError as exc:
        if exc.field in ("municipality_code", "county_code"):
            # a municipality not of her county is said beside the field, keeping what was typed
            uow.rollback()
            status, exc = 422, InputInvalid(exc.detail, field="municipality_code")
        else:
            status = refusal_status(uow, exc)
        booked = exc.extra.get("bookings") if isinstance(exc, StationHasBookings) else None
        times = [(b["id"], datetime.fromisoformat(b["starts_at"])) for b in booked or []]  # type: ignore[attr-defined]
        return await _render(
            request,
            uow,
            runtime,
            values,
            station_id=station_id,
            errors=[station_error(exc)],
            bookings=times,
            status_code=status,
        )
    return see_other("/admin?saved=station#stations")


@post("/admin/stations", guards=ADMINS, name="web-admin-add-station", status_code=303)
async def add_station(
    request: Request[Principal, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    return await _save(request, uow, runtime, None)


@post("/admin/stations/{station_id:int}", guards=ADMINS, name="web-admin-change-station", status_code=303)
async def change_station(
    request: Request[Principal, Any, Any],
    station_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    return await _save(request, uow, runtime, station_id)


ROUTES = [new_station_page, station_page, add_station, change_station]
