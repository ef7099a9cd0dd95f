"""Use cases for bookings: create (with hold and idempotency), read, cancel,
reschedule, and the worklist of orphaned bookings.

Client fields are sealed before they reach the database and opened only for
those who may see them (the booker and the instructors of the station).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, cast

import msgspec
from sqlalchemy import Connection, Row, bindparam, delete, insert, select, text, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

import sotesilta.core.scheduling.service.booking_messages as booking_messages
from sotesilta.core.clients import public as clients
from sotesilta.core.feedback import public as feedback
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import (
    BookingStateInvalid,
    DomainError,
    IdempotencyMismatch,
    InputInvalid,
    RecordNotFound,
    SlotTaken,
)
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.types import table_of
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, County, Station, Worker
from sotesilta.core.scheduling.domain.bookings import (
    AppointmentStatus,
    BookingRequest,
    CancelledBy,
    ClientDetails,
    ClientRelationship,
    MessageChannel,
    Referrer,
    SlotFacts,
    SlotHoldFacts,
    check_booking,
    check_hold,
    check_idempotency_key,
    client_details,
    ensure_not_vetoed,
    is_late_cancellation,
)
from sotesilta.core.scheduling.domain.sessions import SessionMode
from sotesilta.core.scheduling.service.instructions import (
    Instructions,
    Venue,
    client_instructions,
    with_feedback,
)
from sotesilta.core.scheduling.service.slots import SearchScope, find_free_slots, worker_busy_during
from sotesilta.core.scheduling.tables import (
    SLOT_HOLDING_PREDICATE,
    Booking,
    BookingReason,
    GuidanceSession,
    Slot,
    SlotHold,
)

log = logging.getLogger("sotesilta.bookings")


class BookingView(msgspec.Struct, frozen=True, kw_only=True):
    """A booking as its booker and its instructors see it (the API sends it as it is)."""

    id: int
    reference: str
    status: AppointmentStatus
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    station_id: int
    station_key: str
    worker_id: int
    worker_name: str
    municipality_code: str
    mode: SessionMode
    reasons: tuple[str, ...]
    client: ClientDetails
    preferred_language: str
    interpreter_needed: bool
    note: str | None
    existing_relationship: ClientRelationship
    referrer: Referrer
    booked_by: int
    booked_at: datetime
    cancelled_at: datetime | None
    cancelled_by: CancelledBy | None
    cancel_reason: str | None
    late_cancellation: bool
    rescheduled_from: int | None
    orphaned: bool
    client_id: int | None = None
    #: the client agreed to messages about the appointment, by this channel (None: no messages)
    messages: MessageChannel | None = None
    instructions: Instructions


class Booked(msgspec.Struct, frozen=True):
    """What booking (or moving a booking) gave: the booking, and whether it was made by an
    earlier attempt with the same idempotency key (a retry is answered with it again)."""

    booking: BookingView
    replayed: bool = False


def with_feedback_link(
    view: BookingView, *, secret: bytes, base_url: str, forms: FeedbackFormRegistry
) -> BookingView:
    """The booking with the client's feedback link in its printed instructions, where the
    municipality has a client form (the link is derived from the booking's reference and
    the server's secret: nothing is stored for it)."""
    url = feedback.feedback_url(
        secret,
        base_url,
        forms,
        reference=view.reference,
        municipality=view.municipality_code,
        status=view.status,
    )
    return msgspec.structs.replace(view, instructions=with_feedback(view.instructions, url))


def _seal(sealer: Sealer, value: str | None, column: str) -> str | None:
    return sealer.seal_optional(value, context=f"booking.{column}")


def _open(sealer: Sealer, value: str | None, column: str) -> str | None:
    return sealer.open_optional(value, context=f"booking.{column}")


#: the slot, its session, station, instructor and any hold: one query
_TARGET = Prepared(
    select(
        col(Slot.id).label("slot_id"),
        col(Slot.starts_at),
        col(Slot.ends_at),
        col(Slot.worker_id),
        col(GuidanceSession.id).label("session_id"),
        col(GuidanceSession.status).label("session_status"),
        col(GuidanceSession.mode),
        col(GuidanceSession.video_link),
        col(Station.id).label("station_id"),
        col(Station.key).label("station_key"),
        col(Station.municipality_code),
        col(Station.name_fi),
        col(Station.name_sv),
        col(Station.address),
        col(Station.address_sv),
        col(Station.phone),
        col(Station.kind),
        col(County.name_fi).label("county_fi"),
        col(County.name_sv).label("county_sv"),
        col(Station.booking_mode),
        col(Worker.display_name).label("worker_name"),
        col(SlotHold.hold_id),
        col(SlotHold.user_id).label("hold_user_id"),
        col(SlotHold.expires_at).label("hold_expires_at"),
        worker_busy_during().label("worker_busy"),
    )
    .join(GuidanceSession, col(GuidanceSession.id) == col(Slot.session_id))
    .join(Station, col(Station.id) == col(Slot.station_id))
    .join(County, col(County.code) == col(Station.county_code))
    .join(Worker, col(Worker.id) == col(Slot.worker_id))
    .outerjoin(SlotHold, col(SlotHold.slot_id) == col(Slot.id))
    .where(col(Slot.id) == bindparam("slot_id"))
)
# What a booking reads of its session (status, busy times) must still hold when it
# commits: an absence or a rule's end that cancels the session or blocks the time
# either commits before the booking reads, or waits for the booking and then finds
# it to orphan. PostgreSQL: the session's row is share-locked before the reading
# query (a statement of its own, so that query's snapshot starts after the wait;
# the cancelling side locks the same rows for update). SQLite: the booking takes
# the writer lock before it reads (BEGIN IMMEDIATE), as the cancelling side holds
# it from its first write.
_LOCK_SESSION = Prepared(
    select(col(GuidanceSession.id))
    .join(Slot, col(Slot.session_id) == col(GuidanceSession.id))
    .where(col(Slot.id) == bindparam("slot_id"))
    .with_for_update(read=True, of=GuidanceSession)
)
_BEGIN_WRITING = Prepared(text("BEGIN IMMEDIATE"))


def _claim_session(connection: Connection, slot_id: int) -> None:
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]  # sqlite3's connection has it
            _BEGIN_WRITING.execute(connection, {})
    else:  # nothing to read: in pipeline mode it travels with the slot query
        _LOCK_SESSION.execute(connection, {"slot_id": slot_id})


def _read_slot(uow: UnitOfWork, slot_id: int) -> Row[Any] | None:
    """The slot the booking is for, read after claiming its session."""
    _claim_session(uow.connection, slot_id)
    return _TARGET.first(uow.connection, {"slot_id": slot_id})


def _facts(row: Row[Any] | None) -> SlotFacts | None:
    """What the booking rules need to know of the slot."""
    if row is None:
        return None
    hold = None if row.hold_id is None else SlotHoldFacts(row.hold_id, row.hold_user_id, row.hold_expires_at)
    return SlotFacts(
        slot_id=row.slot_id,
        municipality=row.municipality_code,
        station_key=row.station_key,
        station_name=row.name_fi,
        booking_mode=BookingMode(row.booking_mode),
        starts_at=row.starts_at,
        mode=row.mode,
        session_status=row.session_status,
        worker_busy=bool(row.worker_busy),
        hold=hold,
    )


def _client_owner(uow: UnitOfWork, principal: Principal, client_id: int | None) -> str | None:
    """The county of a registered client named in the booking: only a client the user may
    open (a relationship or a stated reason), so a booking cannot make one."""
    if client_id is None:
        return None
    return clients.client_access(uow, principal, client_id).client.county_code


_BOOKING = table_of(Booking)
# the hot path's statements run straight on the driver (see kernel.prepared)
_INSERT_BOOKING = Prepared(insert(_BOOKING).returning(_BOOKING.c.id))
_INSERT_REASON = Prepared(insert(table_of(BookingReason)))
_HOLDS = table_of(SlotHold)
_DELETE_HOLD = Prepared(delete(_HOLDS).where(_HOLDS.c.slot_id == bindparam("slot_id")))
#: a booking's columns that come from its slot; the rest are the request's (bound)
_FROM_SLOT = ("slot_id", "session_id", "station_id", "worker_id", "municipality_code", "starts_at", "ends_at")
_FROM_REQUEST = (
    "reference",
    "status",
    "referrer",
    "booked_by",
    "booked_at",
    "idempotency_key",
    "request_digest",
    "client_name",
    "client_phone",
    "client_email",
    "message_channel",
    "client_age",
    "note",
    "preferred_language",
    "interpreter_needed",
    "existing_relationship",
    "late_cancellation",
    "rescheduled_from",
    "client_id",
    "sequence",
    "updated_at",
)


def _target_and_insert() -> Any:
    """PostgreSQL: the slot query and the booking's insert in one statement (one round trip).

    The booking is inserted before the rules are asked, optimistically: a refusal rolls the
    transaction back. ``ON CONFLICT DO NOTHING`` on the partial unique index leaves a taken
    slot's insert out (``booking_id`` is then NULL) instead of failing the statement, so the
    rules are still asked first, in their order, and a taken slot is reported only when they
    pass. The index decides every race, as before."""
    target = _TARGET.statement.cte("target")  # type: ignore[attr-defined]  # a Select
    values = select(
        *(target.c[name] for name in _FROM_SLOT),
        *(bindparam(name, type_=_BOOKING.c[name].type) for name in _FROM_REQUEST),
    )
    inserted = (
        pg_insert(_BOOKING)
        .from_select([*_FROM_SLOT, *_FROM_REQUEST], values)
        .on_conflict_do_nothing(index_elements=[_BOOKING.c.slot_id], index_where=SLOT_HOLDING_PREDICATE)
        .returning(_BOOKING.c.id)
        .cte("inserted")
    )
    return select(target, inserted.c.id.label("booking_id")).select_from(target.outerjoin(inserted, true()))


_TARGET_AND_INSERT = Prepared(_target_and_insert())


def create_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    request: BookingRequest,
    idempotency_key: str | None = None,
    rescheduled_from: int | None = None,
) -> Booked:
    """Book a slot for the client in front of the nurse: one transaction.

    The rules are the domain's (``check_booking``, the municipality's plugins,
    ``check_hold``). The database's partial unique index decides races: of any
    number of concurrent attempts at one slot exactly one commits; the rest are
    told the slot is taken. A retry with the same idempotency key returns the
    booking made the first time. A few statements and a commit: the hot path.
    """
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    check_idempotency_key(idempotency_key)
    digest = request.digest()
    replay = _replay(uow, principal, idempotency_key, digest)
    if replay is not None:
        return replay
    reference = str(uuid.uuid4())
    # PostgreSQL: the slot read and the insert travel as one statement; SQLite, where a
    # statement costs no round trip, reads, asks the rules, then inserts
    optimistic = _optimistic_client(uow, request)
    try:
        if optimistic is None:
            row = _read_slot(uow, request.slot_id)
        else:
            row = _claim_and_insert(
                uow, principal, request, optimistic, reference, digest, idempotency_key, rescheduled_from
            )
    except IntegrityError:  # the same Idempotency-Key raced itself
        return _lost_race(uow, principal, request, idempotency_key, digest)
    slot = _facts(row)
    plugins, municipality = uow.plugins, slot.municipality if slot else ""
    checked = check_booking(
        slot,
        request,
        slot_id=request.slot_id,
        now=uow.now,
        municipalities=principal.municipalities,
        known_reasons=plugins.code_lists.codes("guidance_reason", municipality),
        profile=plugins.municipalities.get(municipality),
        client_owner=_client_owner(uow, principal, request.client_id),
    )
    ensure_not_vetoed(plugins.booking_vetoes(checked.draft))
    assert row is not None and slot is not None  # check_booking refused a missing slot
    check_hold(slot.hold, request.hold_id, slot_id=request.slot_id, user_id=principal.user_id, now=uow.now)
    new = _new_view(row, request, checked.client, principal, uow.now, rescheduled_from, reference)
    try:
        if optimistic is None:
            view = _insert(uow, row, new, digest, idempotency_key)
        elif row.booking_id is None:  # the slot is taken: ON CONFLICT left the insert out
            return _lost_race(uow, principal, request, idempotency_key, digest)
        else:
            assert checked.client == optimistic  # the same rule made both
            view = _insert_rest(uow, row, msgspec.structs.replace(new, id=row.booking_id))
    except IntegrityError:
        return _lost_race(uow, principal, request, idempotency_key, digest)
    log_access(uow, principal, AccessAction.CREATE, view.id, request.client_id, booked_by_me=True)
    booking_messages.booked(uow, view)  # in the booking's transaction: sent if it stands
    event = _booked_event(view, uow.now)
    plugins.in_transaction(uow, event)  # e.g. the worker's calendar invitation, in this transaction
    uow.commit()
    log.info(
        "booking created", extra={"booking_id": view.id, "slot_id": view.slot_id, "booked_by": view.booked_by}
    )
    plugins.notify(event)
    return Booked(view)


def _lost_race(
    uow: UnitOfWork, principal: Principal, request: BookingRequest, key: str | None, digest: str
) -> Booked:
    """Lost a race: to our own retry (answered with its booking), or to someone else's booking."""
    uow.rollback()
    replay = _replay(uow, principal, key, digest)
    if replay is not None:
        return replay
    raise SlotTaken(f"slot {request.slot_id} is already booked", slot_id=request.slot_id) from None


def _optimistic_client(uow: UnitOfWork, request: BookingRequest) -> ClientDetails | None:
    """The client's details to insert before the rules are asked (PostgreSQL), or None to read
    the slot first: on SQLite, when the details would be refused (the rules then report
    whichever refusal comes first, as they always do), and for a registered client: whether
    the user may open the client is decided by her bookings, and the inserted booking would
    count as one, so that question must be asked before anything is written."""
    if uow.connection.dialect.name != "postgresql" or request.client_id is not None:
        return None
    try:
        return client_details(request)
    except DomainError:
        return None


def _claim_and_insert(
    uow: UnitOfWork,
    principal: Principal,
    request: BookingRequest,
    client: ClientDetails,
    reference: str,
    digest: str,
    key: str | None,
    rescheduled_from: int | None,
) -> Row[Any] | None:
    """PostgreSQL: claim the session, then read the slot and insert the booking in one
    statement; the row has the slot's facts and ``booking_id`` (NULL: the slot is taken)."""
    _claim_session(uow.connection, request.slot_id)
    sealer, now = uow.sealer, uow.now
    return cast(
        "Row[Any] | None",
        _TARGET_AND_INSERT.first(
            uow.connection,
            {
                "slot_id": request.slot_id,
                "reference": reference,
                "status": AppointmentStatus.BOOKED,
                "referrer": request.referrer,
                "booked_by": principal.user_id,
                "booked_at": now,
                "idempotency_key": key,
                "request_digest": digest,
                "client_name": _seal(sealer, client.name, "client_name"),
                "client_phone": _seal(sealer, client.phone, "client_phone"),
                "client_email": _seal(sealer, client.email, "client_email"),
                "message_channel": request.messages.value if request.messages else None,
                "client_age": client.age,
                "note": _seal(sealer, request.note, "note"),
                "preferred_language": request.preferred_language,
                "interpreter_needed": request.interpreter_needed,
                "existing_relationship": request.existing_relationship,
                "late_cancellation": False,
                "rescheduled_from": rescheduled_from,
                "client_id": request.client_id,
                "sequence": 0,
                "updated_at": now,
            },
        ),
    )


def _new_view(
    row: Row[Any],
    request: BookingRequest,
    client: ClientDetails,
    principal: Principal,
    now: datetime,
    rescheduled_from: int | None,
    reference: str,
) -> BookingView:
    """The booking about to be inserted (its id comes with the insert)."""
    return BookingView(
        id=0,
        reference=reference,
        status=AppointmentStatus.BOOKED,
        slot_id=row.slot_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        station_id=row.station_id,
        station_key=row.station_key,
        worker_id=row.worker_id,
        worker_name=row.worker_name,
        municipality_code=row.municipality_code,
        mode=SessionMode(row.mode),
        reasons=tuple(sorted(set(request.reasons))),
        client=client,
        preferred_language=request.preferred_language,
        interpreter_needed=request.interpreter_needed,
        note=request.note,
        existing_relationship=request.existing_relationship,
        referrer=request.referrer,
        booked_by=principal.user_id,
        booked_at=now,
        cancelled_at=None,
        cancelled_by=None,
        cancel_reason=None,
        late_cancellation=False,
        rescheduled_from=rescheduled_from,
        orphaned=False,
        client_id=request.client_id,
        messages=request.messages,
        instructions=client_instructions(
            language=request.preferred_language,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            worker_name=row.worker_name,
            venue=Venue.of_row(row),
            video_link=row.video_link,
        ),
    )


def _booked_event(view: BookingView, now: datetime) -> DomainEvent:
    """What plugins hear of a new (or moved) booking: facts, never the client."""
    return DomainEvent(
        EventKind.BOOKING_RESCHEDULED if view.rescheduled_from else EventKind.BOOKING_CREATED,
        view.municipality_code,
        view.id,
        now,
        {
            "station": view.station_key,
            "starts_at": view.starts_at.isoformat(),
            "mode": view.mode,
            "referrer": view.referrer,
            "from": view.rescheduled_from,
        },
    )


def _insert(uow: UnitOfWork, slot: Row[Any], view: BookingView, digest: str, key: str | None) -> BookingView:
    """The booking's rows: the booking (sealed client fields), its reasons, the hold gone.
    Returns the view with the booking's id; the unique index refuses a taken slot."""
    sealer, connection = uow.sealer, uow.connection
    row = _INSERT_BOOKING.first(
        connection,
        {
            "reference": view.reference,
            "slot_id": view.slot_id,
            "session_id": slot.session_id,
            "station_id": view.station_id,
            "worker_id": view.worker_id,
            "municipality_code": view.municipality_code,
            "starts_at": view.starts_at,
            "ends_at": view.ends_at,
            "status": view.status,
            "referrer": view.referrer,
            "booked_by": view.booked_by,
            "booked_at": view.booked_at,
            "idempotency_key": key,
            "request_digest": digest,
            "client_name": _seal(sealer, view.client.name, "client_name"),
            "client_phone": _seal(sealer, view.client.phone, "client_phone"),
            "client_email": _seal(sealer, view.client.email, "client_email"),
            "message_channel": view.messages.value if view.messages else None,
            "client_age": view.client.age,
            "note": _seal(sealer, view.note, "note"),
            "preferred_language": view.preferred_language,
            "interpreter_needed": view.interpreter_needed,
            "existing_relationship": view.existing_relationship,
            "late_cancellation": False,
            "rescheduled_from": view.rescheduled_from,
            "client_id": view.client_id,
            "sequence": 0,
            "updated_at": view.booked_at,
        },
    )
    assert row is not None  # INSERT ... RETURNING gives the row
    return _insert_rest(uow, slot, msgspec.structs.replace(view, id=int(row.id)))


def _insert_rest(uow: UnitOfWork, slot: Row[Any], view: BookingView) -> BookingView:
    """What follows the booking's own row: its reasons, and the slot's hold gone."""
    connection = uow.connection
    _INSERT_REASON.executemany(connection, [{"booking_id": view.id, "code": code} for code in view.reasons])
    if slot.hold_id is not None:
        _DELETE_HOLD.execute(connection, {"slot_id": view.slot_id})
    return view


def _replay(uow: UnitOfWork, principal: Principal, key: str | None, digest: str) -> Booked | None:
    """The booking an earlier attempt with this key made; answering it is a read (logged)."""
    if key is None:
        return None
    found = uow.session.execute(
        select(col(Booking.id), col(Booking.request_digest)).where(
            col(Booking.booked_by) == principal.user_id, col(Booking.idempotency_key) == key
        )
    ).first()
    if found is None:
        return None
    if found[1] != digest:
        raise IdempotencyMismatch(f"Idempotency-Key {key!r} was used for a different booking")
    return _replayed(uow, principal, cast(int, found[0]))  # a primary key read back


def _replayed(uow: UnitOfWork, principal: Principal, booking_id: int) -> Booked:
    """A booking returned again to a retried request: a read of client data (logged)."""
    view = _view(uow, booking_id)
    log_access(uow, principal, AccessAction.READ, booking_id, view.client_id, booked_by_me=True)
    uow.commit()
    return Booked(view, replayed=True)


def _view(uow: UnitOfWork, booking_id: int) -> BookingView:
    sealer = uow.sealer
    row = uow.session.execute(
        select(
            Booking,
            Station,
            col(Worker.display_name),
            col(GuidanceSession.mode),
            col(GuidanceSession.video_link),
            col(County.name_fi),
            col(County.name_sv),
        )
        .join(Station, col(Station.id) == col(Booking.station_id))
        .join(County, col(County.code) == col(Station.county_code))
        .join(Worker, col(Worker.id) == col(Booking.worker_id))
        .join(GuidanceSession, col(GuidanceSession.id) == col(Booking.session_id))
        .where(col(Booking.id) == booking_id)
    ).one()
    booking, station, worker_name, mode, video_link, county_fi, county_sv = row
    reasons = tuple(
        uow.session.scalars(
            select(col(BookingReason.code))
            .where(col(BookingReason.booking_id) == booking_id)
            .order_by(col(BookingReason.code))
        )
    )
    client = ClientDetails(
        name=_open(sealer, booking.client_name, "client_name") or "",
        phone=_open(sealer, booking.client_phone, "client_phone"),
        age=booking.client_age,
        email=_open(sealer, booking.client_email, "client_email"),
    )
    return BookingView(
        id=booking.id or 0,
        reference=booking.reference,
        status=AppointmentStatus(booking.status),
        slot_id=booking.slot_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        station_id=station.id or 0,
        station_key=station.key,
        worker_id=booking.worker_id,
        worker_name=worker_name,
        municipality_code=booking.municipality_code,
        mode=SessionMode(mode),
        reasons=reasons,
        client=client,
        preferred_language=booking.preferred_language,
        interpreter_needed=booking.interpreter_needed,
        note=_open(sealer, booking.note, "note"),
        existing_relationship=ClientRelationship(booking.existing_relationship),
        referrer=Referrer(booking.referrer),
        booked_by=booking.booked_by,
        booked_at=booking.booked_at,
        cancelled_at=booking.cancelled_at,
        cancelled_by=CancelledBy(booking.cancelled_by) if booking.cancelled_by else None,
        cancel_reason=_open(sealer, booking.cancel_reason, "cancel_reason"),
        late_cancellation=booking.late_cancellation,
        rescheduled_from=booking.rescheduled_from,
        orphaned=booking.orphaned_at is not None and booking.orphan_resolved_at is None,
        client_id=booking.client_id,
        messages=MessageChannel(booking.message_channel) if booking.message_channel else None,
        instructions=client_instructions(
            language=booking.preferred_language,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            worker_name=worker_name,
            venue=Venue(
                station.name_fi,
                station.name_sv,
                station.address,
                station.address_sv,
                station.phone,
                county_fi,
                county_sv,
                station.kind,
            ),
            video_link=video_link,
        ),
    )


def _visible_booking(uow: UnitOfWork, principal: Principal, booking_id: int) -> Booking:
    """The booking, if this person may see it; "not found" otherwise.

    The booker sees their own; instructors see their own clients' and those
    of their stations. Managers and admins see none (numbers, not people).
    """
    booking = uow.session.get(Booking, booking_id)
    if booking is None or booking.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no booking {booking_id}")
    if may_see(principal, booking, own_worker_of(uow, principal)):
        return booking
    raise RecordNotFound(f"no booking {booking_id}")


def own_worker_of(uow: UnitOfWork, principal: Principal) -> int | None:
    """The instructor's own worker record (others have none that counts here)."""
    return organisations.own_worker_id(uow, principal) if principal.has_any_role(Role.INSTRUCTOR) else None


def may_see(principal: Principal, booking: Booking, own_worker: int | None) -> bool:
    """Whether this person may see the booking's client (within their municipalities): the
    booker, and instructors of the booking's worker or station."""
    if booking.booked_by == principal.user_id:
        return True
    if principal.has_any_role(Role.INSTRUCTOR):
        return booking.worker_id == own_worker or booking.station_id in principal.station_ids
    return False


def log_access(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    booking_id: int,
    client_id: int | None,
    *,
    booked_by_me: bool,
) -> None:
    """One access-log entry, in the use case's (or read's) transaction."""
    plugins, now = uow.plugins, uow.now
    basis = AccessBasis.TASK if booked_by_me else AccessBasis.CLIENT_RELATIONSHIP
    event = access.access_event(
        principal, action, "booking", booking_id, client_id=client_id, now=now, basis=basis
    )
    plugins.record_access(uow.connection, event)


def get_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    booking_id: int,
) -> BookingView:
    booking = _visible_booking(uow, principal, booking_id)
    view = _view(uow, booking_id)
    log_access(
        uow,
        principal,
        AccessAction.READ,
        booking_id,
        booking.client_id,
        booked_by_me=booking.booked_by == principal.user_id,
    )
    uow.commit()
    return view


def _cancelled_by_for(principal: Principal, requested: CancelledBy | None) -> CancelledBy:
    if requested is CancelledBy.SYSTEM:
        raise InputInvalid("only the system cancels as 'system'", field="cancelled_by")
    if requested is not None:
        return requested
    return CancelledBy.INSTRUCTOR if principal.has_any_role(Role.INSTRUCTOR) else CancelledBy.REFERRER


def cancel_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    booking_id: int,
    reason: str,
    cancelled_by: CancelledBy | None = None,
) -> BookingView:
    """Cancel a booked visit (late when under 24 h before it), or dismiss an
    orphaned one from the worklist. A visit that has begun gets an outcome
    instead (recordVisitOutcome: late cancellation or no-show)."""
    plugins, now = uow.plugins, uow.now
    if not reason.strip() or len(reason) > 500:
        raise InputInvalid("reason must be 1-500 characters", field="reason")
    booking = _visible_booking(uow, principal, booking_id)
    by = _cancelled_by_for(principal, cancelled_by)
    if booking.orphaned_at is not None and booking.orphan_resolved_at is None:
        booking.orphan_resolved_at = now
        earlier = _open(uow.sealer, booking.cancel_reason, "cancel_reason")
        booking.cancel_reason = _seal(uow.sealer, f"{earlier}; {reason.strip()}"[:500], "cancel_reason")
    elif booking.status == AppointmentStatus.BOOKED.value and booking.starts_at <= now:
        raise BookingStateInvalid(f"booking {booking_id} has begun: record its outcome instead")
    elif booking.status == AppointmentStatus.BOOKED.value:
        booking.status = AppointmentStatus.CANCELLED.value
        booking.cancelled_at = now
        booking.cancelled_by = by.value
        booking.cancel_reason = _seal(uow.sealer, reason.strip(), "cancel_reason")
        booking.late_cancellation = is_late_cancellation(now, booking.starts_at)
    else:
        raise BookingStateInvalid(f"booking {booking_id} is {booking.status} and cannot be cancelled")
    booking.sequence += 1
    booking.updated_at = now
    log_access(
        uow,
        principal,
        AccessAction.UPDATE,
        booking_id,
        booking.client_id,
        booked_by_me=booking.booked_by == principal.user_id,
    )
    if booking.status == AppointmentStatus.CANCELLED.value and booking.cancelled_at == now:
        booking_messages.cancelled(uow, _view(uow, booking_id))
    event = DomainEvent(
        EventKind.BOOKING_CANCELLED,
        booking.municipality_code,
        booking_id,
        now,
        {
            "cancelled_by": by.value,
            "late": booking.late_cancellation,
            "orphaned": booking.orphaned_at is not None,
        },
    )
    uow.session.flush()  # the cancellation, where the plugins read it
    plugins.in_transaction(uow, event)
    uow.commit()
    log.info("booking cancelled", extra={"booking_id": booking_id, "by": by.value})
    plugins.notify(event)
    return _view(uow, booking_id)


def reschedule_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    booking_id: int,
    slot_id: int,
    hold_id: str | None,
    idempotency_key: str | None = None,
    changes: BookingRequest | None = None,
) -> Booked:
    """Move a booking to another slot: a new booking linked to the old, which
    is cancelled; an orphaned booking is resolved this way. One transaction.

    The new booking asks what the old one did, or ``changes`` where the booker
    corrected something while moving (the booking form, pre-filled from the old);
    the client record and who reported the need stay the old booking's.

    A retry with the same ``Idempotency-Key`` returns the booking the first
    attempt made, whatever the old booking's state is by now.
    """
    now = uow.now
    old = _visible_booking(uow, principal, booking_id)
    if idempotency_key is not None:
        earlier = uow.session.scalar(
            select(col(Booking.id)).where(
                col(Booking.booked_by) == principal.user_id,
                col(Booking.idempotency_key) == idempotency_key,
                col(Booking.rescheduled_from) == booking_id,
            )
        )
        if earlier is not None:
            return _replayed(uow, principal, earlier)
    orphaned = old.orphaned_at is not None and old.orphan_resolved_at is None
    if old.status != AppointmentStatus.BOOKED.value and not orphaned:
        raise BookingStateInvalid(f"booking {booking_id} is {old.status} and cannot be moved")
    if slot_id == old.slot_id:
        raise InputInvalid("choose a different slot", field="slot_id")
    # the same client, reasons and wishes (or as corrected), at the new slot
    asked = msgspec.convert(_view(uow, booking_id), BookingRequest, from_attributes=True)
    if changes is not None:
        asked = replace(changes, client_id=asked.client_id, referrer=asked.referrer)
    request = replace(asked, slot_id=slot_id, hold_id=hold_id)
    by = _cancelled_by_for(principal, None)
    if orphaned:
        old.orphan_resolved_at = now
    else:
        old.status = AppointmentStatus.CANCELLED.value
        old.cancelled_at = now
        old.cancelled_by = by.value
        old.cancel_reason = _seal(uow.sealer, "rescheduled", "cancel_reason")
        old.late_cancellation = False
    old.sequence += 1
    old.updated_at = now
    uow.session.flush()
    booking_messages.withdrawn(uow, booking_id)  # the new time's messages replace them
    log_access(
        uow,
        principal,
        AccessAction.UPDATE,
        booking_id,
        old.client_id,
        booked_by_me=old.booked_by == principal.user_id,
    )
    # create_booking commits the whole move, or nothing if the new slot fails
    return create_booking(
        uow,
        principal=principal,
        request=request,
        idempotency_key=idempotency_key,
        rescheduled_from=booking_id,
    )


class OrphanedBooking(msgspec.Struct, frozen=True):
    """A booking whose session was cancelled under it, and where the client could go instead."""

    booking: BookingView
    options: Annotated[tuple[int, ...], msgspec.Meta(description="slot ids of the client's next options")]


def list_orphaned_bookings(
    uow: UnitOfWork,
    *,
    principal: Principal,
) -> list[OrphanedBooking]:
    """Bookings whose session was cancelled under them, on the booker's worklist."""
    ids = cast(  # primary keys read back are never None
        "list[int]",
        list(
            uow.session.scalars(
                select(col(Booking.id))
                .where(
                    col(Booking.booked_by) == principal.user_id,
                    col(Booking.orphaned_at).is_not(None),
                    col(Booking.orphan_resolved_at).is_(None),
                )
                .order_by(col(Booking.starts_at))
            )
        ),
    )
    found = []
    for booking_id in ids:
        view = _view(uow, booking_id)
        log_access(uow, principal, AccessAction.READ, booking_id, view.client_id, booked_by_me=True)
        options = find_free_slots(
            uow,
            principal=principal,
            municipality=view.municipality_code,
            station_id=view.station_id,
            scope=SearchScope.NEARBY,
            limit=3,
        )
        found.append(OrphanedBooking(view, tuple(o.slot_id for o in options)))
    uow.commit()  # the access-log entries of the reads
    return found
