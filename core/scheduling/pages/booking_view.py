"""A booking's page: what was booked and the client's instructions while it stands; cancel
and move; once cancelled, that in words, and no instructions to print.

Cancelling calls the same use case as the API; its refusals come back on the page with
the reason as typed.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.accounts import public as accounts
from sotesilta.core.accounts.public import StaffContact
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import BOOKERS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, see_other
from sotesilta.core.organisations import public as organisations
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus, CancelledBy, is_late_cancellation
from sotesilta.core.scheduling.service import booking_lists, bookings, client_links
from sotesilta.core.scheduling.service.bookings import BookingView

#: a booking's status as people read it (the codes are FHIR's)
STATUS_LABELS = {
    "proposed": N_("Proposed"),
    "pending": N_("Pending"),
    "booked": N_("Booked"),
    "arrived": N_("Arrived"),
    "checked-in": N_("Arrived"),
    "fulfilled": N_("Visit took place"),
    "cancelled": N_("Cancelled"),
    "noshow": N_("Did not come"),
    "entered-in-error": N_("Entered in error"),
    "waitlist": N_("On the waiting list"),
}

#: the nurse's answer to "does the client already have a social-care client relationship?"
RELATIONSHIP_LABELS = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "unknown": N_("Not known"),
}

#: who cancelled, as people read it
CANCELLED_BY_LABELS = {
    "client": N_("the client"),
    "referrer": N_("the booker"),
    "instructor": N_("the instructor"),
    "system": N_("the system (the session was cancelled)"),
}

#: reasons the system writes itself (people's own reasons are shown as typed)
SYSTEM_REASONS = {
    "rescheduled": N_("moved to another time"),
    "instructor absent": N_("the instructor is absent"),
    "rule ended": N_("the instructor no longer receives at that time"),
}


def own_canceller(principal: Principal) -> str:
    """Who "I" am when I cancel: the instructor, or the booker (as the use case decides)."""
    return (CancelledBy.INSTRUCTOR if principal.has_any_role(Role.INSTRUCTOR) else CancelledBy.REFERRER).value


def reason_parts(reason: str | None) -> list[tuple[str, bool]]:
    """The cancellation's reason in parts, each with whether it is a message id to translate
    (a system's code) or a person's own words (shown as typed, never through the catalogue,
    which marks its result safe); a dismissed orphan's reason is the system's, then hers."""
    if not reason:
        return []
    return [
        (SYSTEM_REASONS[part], True) if part in SYSTEM_REASONS else (part, False)
        for part in reason.split("; ")
    ]


async def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    booking_id: int,
    *,
    cancel: dict[str, str] | None = None,
    errors: list[FormError] | None = None,
    status_code: int = 200,
) -> Template:
    def read(uow: UnitOfWork) -> tuple[BookingView, str, int | None, StaffContact]:
        view = bookings.get_booking(uow, principal=request.user, booking_id=booking_id)
        booker = accounts.staff_contact(uow, user_id=view.booked_by, station_id=view.station_id)
        stations = organisations.list_stations(uow, municipality=view.municipality_code)
        station = next((s for s in stations if s.id == view.station_id), None)
        name = view.instructions.place
        if station is not None:
            name = station.name_sv if language == "sv" else station.name_fi
        return view, name, booking_lists.moved_to(uow, booking_id), booker

    language = language_of(request)
    view, station_name, moved_to, booker = await runtime.run_db(read, uow)
    # the printed instructions carry the client's feedback link (and its QR code)
    view = bookings.with_feedback_link(
        view,
        secret=runtime.secret,
        base_url=runtime.settings.public_base_url,
        forms=runtime.plugins.feedback_forms,
    )
    labels = {
        e.code: e.label(language)
        for e in runtime.plugins.code_lists.entries("guidance_reason", view.municipality_code)
    }
    invitation: str | None = request.app.state.get("invitation_path")
    token = client_links.link_token(runtime.secret, view.reference)
    now = runtime.clock.now()
    standing = view.status == AppointmentStatus.BOOKED.value
    me = own_canceller(request.user)
    return page(
        request,
        "booking.html",
        status_code=status_code,
        language=language,
        booking=view,
        station_name=station_name,
        booker=booker,
        booker_station=booker.station_name(language),
        relationship=RELATIONSHIP_LABELS.get(view.existing_relationship, N_("Not known")),
        reasons=[labels.get(code, code) for code in view.reasons],
        invitation_url=invitation.replace("{booking_id:int}", str(view.id)) if invitation else None,
        client_url=f"{runtime.settings.public_base_url}/c/{token}",
        status_label=STATUS_LABELS.get(view.status, N_("Booking")),
        cancelled_by=CANCELLED_BY_LABELS.get(view.cancelled_by or ""),
        cancel_reason=reason_parts(view.cancel_reason),
        moved_to=moved_to,
        standing=standing,
        changeable=standing and view.starts_at > now,
        late_if_cancelled=is_late_cancellation(now, view.starts_at),
        me=me,
        cancel=cancel or {"reason": "", "cancelled_by": me},
        errors=errors or [],
        field_errors={e.target: e for e in errors or [] if e.target},
    )


@get("/bookings/{booking_id:int}", guards=BOOKERS, name="web-booking")
async def booking_page(
    request: Request[Principal, Any, Any],
    booking_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """The confirmation: what was booked, the client's printable instructions, the .ics;
    cancel and move while it stands."""
    return await _render(request, uow, runtime, booking_id)


def cancel_error(exc: DomainError) -> FormError:
    if exc.field == "reason":
        return FormError(N_("Write why the time is cancelled (at most 500 characters)."), {}, "cancel-reason")
    if exc.field == "cancelled_by":
        return FormError(N_("Choose who cancels the time."), {}, "cancelled-by")
    return FormError(
        N_("This booking is no longer booked or its time has begun: it cannot be cancelled."), {}, ""
    )


@post("/bookings/{booking_id:int}/cancel", guards=BOOKERS, name="web-booking-cancel", status_code=303)
async def cancel_booking(
    request: Request[Principal, Any, Any],
    booking_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    typed = {
        # the use case refuses over 500: cut a little above it so the refusal is seen
        "reason": str(posted.get("reason") or "").strip()[:600],
        "cancelled_by": text_field(posted, "cancelled_by", 20),
    }
    try:
        # the client, or herself: the system is never a person's choice
        if typed["cancelled_by"] not in (CancelledBy.CLIENT.value, own_canceller(request.user)):
            raise InputInvalid("choose who cancels", field="cancelled_by")
        await runtime.run_db(
            bookings.cancel_booking,
            uow,
            principal=request.user,
            booking_id=booking_id,
            reason=typed["reason"],
            cancelled_by=CancelledBy(typed["cancelled_by"]),
        )
    except DomainError as exc:
        status = refusal_status(uow, exc)  # not hers, or gone: the 404 page
        return await _render(
            request, uow, runtime, booking_id, cancel=typed, errors=[cancel_error(exc)], status_code=status
        )
    return see_other(f"/bookings/{booking_id}")


ROUTES = [booking_page, cancel_booking]
