"""Bookings: create, read, cancel, reschedule; the orphaned-bookings worklist."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from pydantic import BaseModel, Field

from ...domain.accounts import Principal
from ...domain.bookings import CancelledBy, ClientDetails, ClientRelationship, Referrer
from ...persistence.uow import UnitOfWork
from ...runtime import Runtime
from ...services import bookings
from ...services.bookings import BookingView

#: send one with every booking: a retried request then books once
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=100)]


class ClientIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    age: int = Field(ge=0, le=130, description="age in years: the municipality's age group applies")


class BookingIn(BaseModel):
    slot_id: int
    hold_id: str | None = Field(default=None, max_length=36)
    reasons: list[str] = Field(min_length=1, max_length=20, description="codes of list guidance_reason")
    client: ClientIn
    preferred_language: str = Field(default="fi", pattern="^(fi|sv|en)$")
    interpreter_needed: bool = False
    note: str | None = Field(default=None, max_length=1000)
    existing_relationship: ClientRelationship = ClientRelationship.UNKNOWN
    referrer: Referrer = Referrer.STAFF
    client_id: int | None = Field(default=None, description="a registered client record (createClient)")


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    cancelled_by: CancelledBy | None = Field(default=None, description="client, referrer or instructor")


class RescheduleIn(BaseModel):
    slot_id: int
    hold_id: str | None = Field(default=None, max_length=36)


class ClientOut(BaseModel):
    name: str
    phone: str | None
    age: int


class InstructionsOut(BaseModel):
    language: str
    title: str
    when: str
    place: str
    address: str
    video_link: str | None
    lines: list[str]


class BookingOut(BaseModel):
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


class OrphanedOut(BaseModel):
    booking: BookingOut
    options: list[int] = Field(description="slot ids of the client's next options")


def booking_out(view: BookingView) -> BookingOut:
    fields: dict[str, Any] = {k: v for k, v in vars(view).items() if k != "replayed"}
    fields["reasons"] = list(view.reasons)
    fields["client"] = ClientOut(name=view.client.name, phone=view.client.phone, age=view.client.age)
    fields["instructions"] = InstructionsOut(
        **{**vars(view.instructions), "lines": list(view.instructions.lines)}
    )
    return BookingOut(**fields)


def _created_or_replayed(view: BookingView) -> Response[BookingOut]:
    """201 for a new booking; 200 and Idempotent-Replayed for a retry's first result."""
    if view.replayed:
        return Response(booking_out(view), status_code=200, headers={"Idempotent-Replayed": "true"})
    return Response(booking_out(view), status_code=201)


@post(
    "/api/v1/bookings",
    operation_id="createBooking",
    tags=["booking"],
    summary="Book a slot for a client; send Idempotency-Key so a retry books once",
    status_code=201,
)
async def create_booking(
    data: JSONBody[BookingIn],
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
    idempotency_key: IdempotencyKey = None,
) -> Response[BookingOut]:
    request = bookings.BookingRequest(
        slot_id=data.slot_id,
        hold_id=data.hold_id,
        reasons=tuple(data.reasons),
        client=ClientDetails(name=data.client.name, phone=data.client.phone, age=data.client.age),
        preferred_language=data.preferred_language,
        interpreter_needed=data.interpreter_needed,
        note=data.note,
        existing_relationship=data.existing_relationship,
        referrer=data.referrer,
        client_id=data.client_id,
    )
    # the hot path: see Runtime.run_db
    view = await runtime.run_db(
        bookings.create_booking,
        uow,
        principal=principal,
        request=request,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
        now=now,
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(view)


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
    now: NamedDependency[datetime],
) -> BookingOut:
    view = bookings.get_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        sealer=runtime.sealer,
        plugins=runtime.plugins,
        now=now,
    )
    return booking_out(view)


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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> BookingOut:
    view = bookings.cancel_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        reason=data.reason,
        now=now,
        sealer=runtime.sealer,
        plugins=runtime.plugins,
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
    now: NamedDependency[datetime],
    idempotency_key: IdempotencyKey = None,
) -> Response[BookingOut]:
    view = bookings.reschedule_booking(
        uow,
        principal=principal,
        booking_id=booking_id,
        slot_id=data.slot_id,
        hold_id=data.hold_id,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
        now=now,
        idempotency_key=idempotency_key,
    )
    return _created_or_replayed(view)


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
    runtime: NamedDependency[Runtime],
    now: NamedDependency[datetime],
) -> list[OrphanedOut]:
    found = bookings.list_orphaned_bookings(
        uow, principal=principal, plugins=runtime.plugins, sealer=runtime.sealer, now=now
    )
    return [OrphanedOut(booking=booking_out(o.booking), options=list(o.options)) for o in found]


ROUTES = [create_booking, get_booking, cancel_booking, reschedule_booking, list_orphaned_bookings]
