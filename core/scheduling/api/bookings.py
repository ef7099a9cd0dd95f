"""Bookings: create, read, cancel, reschedule; the orphaned-bookings worklist."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from msgspec import Meta

from sotesilta.core.feedback import public as feedback_links
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import CancelledBy, ClientDetails, ClientRelationship, Referrer
from sotesilta.core.scheduling.service import bookings
from sotesilta.core.scheduling.service.bookings import BookingView
from sotesilta.core.scheduling.service.instructions import with_feedback

#: send one with every booking: a retried request then books once
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=100)]


class ClientIn(msgspec.Struct):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    age: Annotated[int, Meta(ge=0, le=130, description="age in years: the municipality's age group applies")]
    phone: Annotated[str, Meta(max_length=40)] | None = None


class BookingIn(msgspec.Struct):
    """The body of createBooking: a msgspec struct, Litestar's native type, on the hot path."""

    slot_id: int
    reasons: Annotated[
        list[str], Meta(min_length=1, max_length=20, description="codes of list guidance_reason")
    ]
    client: ClientIn
    hold_id: Annotated[str, Meta(max_length=36)] | None = None
    preferred_language: Annotated[str, Meta(pattern="^(fi|sv|en)$")] = "fi"
    interpreter_needed: bool = False
    note: Annotated[str, Meta(max_length=1000)] | None = None
    existing_relationship: ClientRelationship = ClientRelationship.UNKNOWN
    referrer: Referrer = Referrer.STAFF
    client_id: Annotated[int, Meta(description="a registered client record (createClient)")] | None = None


class CancelIn(msgspec.Struct):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    cancelled_by: Annotated[CancelledBy, Meta(description="client, referrer or instructor")] | None = None


class RescheduleIn(msgspec.Struct):
    slot_id: int
    hold_id: Annotated[str, Meta(max_length=36)] | None = None


class ClientOut(msgspec.Struct):
    name: str
    phone: str | None
    age: int


class InstructionsOut(msgspec.Struct):
    language: str
    title: str
    when: str
    place: str
    address: str
    video_link: str | None
    lines: list[str]
    feedback_url: str | None = None


class BookingOut(msgspec.Struct):
    id: int
    reference: str
    status: str
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    station_id: int
    station_key: str
    worker_id: int
    worker_name: str
    municipality_code: str
    mode: str
    reasons: list[str]
    client: ClientOut
    preferred_language: str
    interpreter_needed: bool
    note: str | None
    existing_relationship: str
    referrer: str
    booked_by: int
    booked_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    late_cancellation: bool
    rescheduled_from: int | None
    orphaned: bool
    client_id: int | None
    instructions: InstructionsOut


class OrphanedOut(msgspec.Struct):
    booking: BookingOut
    options: Annotated[list[int], Meta(description="slot ids of the client's next options")]


def booking_out(view: BookingView, feedback_url: str | None = None) -> BookingOut:
    client, instructions = view.client, with_feedback(view.instructions, feedback_url)
    return BookingOut(
        id=view.id,
        reference=view.reference,
        status=view.status,
        slot_id=view.slot_id,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        station_id=view.station_id,
        station_key=view.station_key,
        worker_id=view.worker_id,
        worker_name=view.worker_name,
        municipality_code=view.municipality_code,
        mode=view.mode,
        reasons=list(view.reasons),
        client=ClientOut(name=client.name, phone=client.phone, age=client.age),
        preferred_language=view.preferred_language,
        interpreter_needed=view.interpreter_needed,
        note=view.note,
        existing_relationship=view.existing_relationship,
        referrer=view.referrer,
        booked_by=view.booked_by,
        booked_at=view.booked_at,
        cancelled_at=view.cancelled_at,
        cancelled_by=view.cancelled_by,
        cancel_reason=view.cancel_reason,
        late_cancellation=view.late_cancellation,
        rescheduled_from=view.rescheduled_from,
        orphaned=view.orphaned,
        client_id=view.client_id,
        instructions=InstructionsOut(
            language=instructions.language,
            title=instructions.title,
            when=instructions.when,
            place=instructions.place,
            address=instructions.address,
            video_link=instructions.video_link,
            lines=list(instructions.lines),
            feedback_url=instructions.feedback_url,
        ),
    )


def _feedback_url(view: BookingView, runtime: Runtime) -> str | None:
    """The client's feedback link for the instructions (computed: nothing is stored for it)."""
    return feedback_links.feedback_url(
        runtime.secret,
        runtime.settings.public_base_url,
        runtime.plugins.feedback_forms,
        reference=view.reference,
        municipality=view.municipality_code,
        status=view.status,
    )


def _created_or_replayed(view: BookingView, runtime: Runtime) -> Response[BookingOut]:
    """201 for a new booking; 200 and Idempotent-Replayed for a retry's first result."""
    out = booking_out(view, _feedback_url(view, runtime))
    if view.replayed:
        return Response(out, status_code=200, headers={"Idempotent-Replayed": "true"})
    return Response(out, status_code=201)


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
) -> Response[BookingOut]:
    # The hot path: no dependency injection (each resolved dependency costs
    # more than a statement); the use case gets its own unit of work where it
    # runs (Runtime.run_in_uow).
    runtime: Runtime = request.app.state.runtime
    client = data.client
    booking = bookings.BookingRequest(
        slot_id=data.slot_id,
        hold_id=data.hold_id,
        reasons=tuple(data.reasons),
        client=ClientDetails(name=client.name, phone=client.phone, age=client.age),
        preferred_language=data.preferred_language,
        interpreter_needed=data.interpreter_needed,
        note=data.note,
        existing_relationship=data.existing_relationship,
        referrer=data.referrer,
        client_id=data.client_id,
    )
    view = await runtime.run_in_uow(
        bookings.create_booking,
        principal=request.user,
        request=booking,
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(view, runtime)


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
) -> BookingOut:
    view = bookings.get_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
    )
    return booking_out(view, _feedback_url(view, runtime))


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
) -> BookingOut:
    view = bookings.cancel_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        reason=data.reason,
        cancelled_by=data.cancelled_by,
    )
    return booking_out(view)


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
) -> Response[BookingOut]:
    view = bookings.reschedule_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        slot_id=data.slot_id,
        hold_id=data.hold_id,
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(view, runtime)


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
) -> list[OrphanedOut]:
    found = bookings.list_orphaned_bookings(
        uow,
        principal=principal,
    )
    return [OrphanedOut(booking=booking_out(o.booking), options=list(o.options)) for o in found]


ROUTES = [create_booking, get_booking, cancel_booking, reschedule_booking, list_orphaned_bookings]
