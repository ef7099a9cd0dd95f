"""Bookings: create, read, cancel, reschedule; the orphaned-bookings worklist."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from msgspec import Meta

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import (
    BookingRequest,
    CancelledBy,
    ClientRelationship,
    MessageChannel,
    Referrer,
)
from sotesilta.core.scheduling.service import bookings
from sotesilta.core.scheduling.service.bookings import Booked, BookingView, OrphanedBooking

#: send one with every booking: a retried request then books once
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=100)]


class BookingClientIn(msgspec.Struct):
    """The client in front of the booker: kept sealed, never in a feed or a log."""

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    age: Annotated[int, Meta(ge=0, le=130, description="age in years: the municipality's age group applies")]
    phone: Annotated[str, Meta(max_length=40)] | None = None
    email: Annotated[str, Meta(max_length=254, description="for messages by e-mail")] | None = None


class BookingIn(msgspec.Struct):
    """The body of createBooking: a msgspec struct, Litestar's native type, on the hot path."""

    slot_id: int
    reasons: Annotated[
        tuple[str, ...], Meta(min_length=1, max_length=20, description="codes of list guidance_reason")
    ]
    client: BookingClientIn
    hold_id: Annotated[str, Meta(max_length=36)] | None = None
    preferred_language: Annotated[str, Meta(pattern="^(fi|sv|en)$")] = "fi"
    interpreter_needed: bool = False
    note: Annotated[str, Meta(max_length=1000)] | None = None
    existing_relationship: ClientRelationship = ClientRelationship.UNKNOWN
    referrer: Referrer = Referrer.STAFF
    client_id: Annotated[int, Meta(description="a registered client record (createClient)")] | None = None
    messages: (
        Annotated[
            MessageChannel,
            Meta(
                description=(
                    "the client agreed to messages about this appointment (confirmation, reminder, "
                    "cancellation or move, feedback link) by SMS (client.phone) or e-mail (client.email)"
                )
            ),
        ]
        | None
    ) = None


class CancelIn(msgspec.Struct):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    cancelled_by: Annotated[CancelledBy, Meta(description="client, referrer or instructor")] | None = None


class RescheduleIn(msgspec.Struct):
    slot_id: int
    hold_id: Annotated[str, Meta(max_length=36)] | None = None


def _with_feedback_link(view: BookingView, runtime: Runtime) -> BookingView:
    settings = runtime.settings
    forms = runtime.plugins.feedback_forms
    return bookings.with_feedback_link(
        view, secret=runtime.secret, base_url=settings.public_base_url, forms=forms
    )


def _created_or_replayed(booked: Booked, runtime: Runtime) -> Response[BookingView]:
    """201 for a new booking; 200 and Idempotent-Replayed for a retry's first result."""
    view = _with_feedback_link(booked.booking, runtime)
    if booked.replayed:
        return Response(view, status_code=200, headers={"Idempotent-Replayed": "true"})
    return Response(view, status_code=201)


@post(
    "/api/v1/bookings",
    operation_id="createBooking",
    tags=["booking"],
    summary="Book a slot for a client; send Idempotency-Key so a retry books once",
    status_code=201,
)
async def create_booking(
    request: Request[Principal, Any, Any],
    data: JSONBody[BookingIn],
    idempotency_key: IdempotencyKey = None,
) -> Response[BookingView]:
    # The hot path: no dependency injection (each resolved dependency costs
    # more than a statement); the use case gets its own unit of work where it
    # runs (Runtime.run_in_uow).
    runtime: Runtime = request.app.state.runtime
    booked = await runtime.run_in_uow(
        bookings.create_booking,
        principal=request.user,
        request=msgspec.convert(data, BookingRequest, from_attributes=True),
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(booked, runtime)


@get(
    "/api/v1/bookings/{booking_id:int}",
    operation_id="getBooking",
    tags=["booking"],
    summary="A booking, for its booker and the instructors of its station",
    sync_to_thread=True,
)
def get_booking(
    booking_id: FromPath[int],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> BookingView:
    return _with_feedback_link(bookings.get_booking(uow, principal=principal, booking_id=booking_id), runtime)


@post(
    "/api/v1/bookings/{booking_id:int}/cancel",
    operation_id="cancelBooking",
    tags=["booking"],
    summary="Cancel a booking (late when under 24 h before), or dismiss an orphaned one",
    sync_to_thread=True,
    status_code=200,
)
def cancel_booking(
    booking_id: FromPath[int],
    data: JSONBody[CancelIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> BookingView:
    return bookings.cancel_booking(
        uow, principal=principal, booking_id=booking_id, reason=data.reason, cancelled_by=data.cancelled_by
    )


@post(
    "/api/v1/bookings/{booking_id:int}/reschedule",
    operation_id="rescheduleBooking",
    tags=["booking"],
    summary="Move a booking to another slot (a new booking linked to the old)",
    sync_to_thread=True,
    status_code=201,
)
def reschedule_booking(
    booking_id: FromPath[int],
    data: JSONBody[RescheduleIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    idempotency_key: IdempotencyKey = None,
) -> Response[BookingView]:
    booked = bookings.reschedule_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        slot_id=data.slot_id,
        hold_id=data.hold_id,
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(booked, runtime)


@get(
    "/api/v1/bookings/orphaned",
    operation_id="listOrphanedBookings",
    tags=["booking"],
    summary="My bookings whose session was cancelled, with the client's next options",
    sync_to_thread=True,
)
def list_orphaned_bookings(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
) -> list[OrphanedBooking]:
    return bookings.list_orphaned_bookings(uow, principal=principal)


ROUTES = [create_booking, get_booking, cancel_booking, reschedule_booking, list_orphaned_bookings]
