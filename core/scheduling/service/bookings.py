"""Use cases for bookings: create (with hold and idempotency), read, cancel,
reschedule, and the worklist of orphaned bookings.

Client fields are sealed before they reach the database and opened only for
those who may see them (the booker and the instructors of the station).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, text
from sqlalchemy.exc import IntegrityError

from sotesilta.core.clients.public import ClientRecord, normalise_phone
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import (
    AgeNotEligible,
    BookingModeNotAllowed,
    BookingStateInvalid,
    BookingVetoed,
    CodeUnknown,
    HoldExpired,
    IdempotencyMismatch,
    InputInvalid,
    RecordNotFound,
    SlotHeld,
    SlotTaken,
)
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import BookingMode, Station, Worker
from sotesilta.core.scheduling.domain.bookings import (
    AppointmentStatus,
    BookingDraft,
    CancelledBy,
    ClientDetails,
    ClientRelationship,
    Referrer,
    is_late_cancellation,
)
from sotesilta.core.scheduling.service.instructions import Instructions, client_instructions
from sotesilta.core.scheduling.service.slots import (
    SearchScope,
    ensure_bookable,
    find_free_slots,
    worker_busy_during,
)
from sotesilta.core.scheduling.tables import Booking, BookingReason, GuidanceSession, Slot, SlotHold

log = logging.getLogger("sotesilta.bookings")
NOTE_MAX = 1000


@dataclass(frozen=True)
class BookingRequest:
    slot_id: int
    client: ClientDetails
    reasons: tuple[str, ...]
    preferred_language: str = "fi"
    interpreter_needed: bool = False
    note: str | None = None
    existing_relationship: ClientRelationship = ClientRelationship.UNKNOWN
    referrer: Referrer = Referrer.STAFF
    hold_id: str | None = None
    client_id: int | None = None  # a registered client record, when there is one

    def digest(self) -> str:
        """A fingerprint of what was asked, to recognise an honest retry."""
        # the fields spelt out (what dataclasses.asdict gives, at a fraction of
        # its cost); the hold is left out: a retry may come under a new one
        client = self.client
        payload = {
            "slot_id": self.slot_id,
            "client": {"name": client.name, "phone": client.phone, "age": client.age},
            "reasons": self.reasons,
            "preferred_language": self.preferred_language,
            "interpreter_needed": self.interpreter_needed,
            "note": self.note,
            "existing_relationship": self.existing_relationship,
            "referrer": self.referrer,
            "hold_id": None,
            "client_id": self.client_id,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class BookingView:
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
    reasons: tuple[str, ...]
    client: ClientDetails
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
    instructions: Instructions
    client_id: int | None = None
    replayed: bool = field(default=False, compare=False)


def _validate(request: BookingRequest, plugins: Plugins, municipality: str) -> None:
    if not request.reasons:
        raise InputInvalid("choose at least one reason", field="reasons")
    unknown = sorted(set(request.reasons) - plugins.code_lists.codes("guidance_reason", municipality))
    if unknown:
        raise CodeUnknown(f"unknown reason code(s): {', '.join(unknown)}", field="reasons")
    if request.preferred_language not in ("fi", "sv", "en"):
        raise InputInvalid("preferred language must be fi, sv or en", field="preferred_language")
    if request.note is not None and len(request.note) > NOTE_MAX:
        raise InputInvalid(f"the note may have at most {NOTE_MAX} characters", field="note")


def _seal(sealer: Sealer, value: str | None, column: str) -> str | None:
    return sealer.seal_optional(value, context=f"booking.{column}")


def _open(sealer: Sealer, value: str | None, column: str) -> str | None:
    return sealer.open_optional(value, context=f"booking.{column}")


#: the slot, its session, station, instructor and any hold: one query
_TARGET = Prepared(
    select(
        Slot.id.label("slot_id"),
        Slot.starts_at,
        Slot.ends_at,
        Slot.worker_id,
        GuidanceSession.id.label("session_id"),
        GuidanceSession.status.label("session_status"),
        GuidanceSession.mode,
        GuidanceSession.video_link,
        Station.id.label("station_id"),
        Station.key.label("station_key"),
        Station.municipality_code,
        Station.name_fi,
        Station.name_sv,
        Station.address,
        Station.booking_mode,
        Worker.display_name.label("worker_name"),
        SlotHold.hold_id,
        SlotHold.user_id.label("hold_user_id"),
        SlotHold.expires_at.label("hold_expires_at"),
        worker_busy_during().label("worker_busy"),
    )
    .join(GuidanceSession, GuidanceSession.id == Slot.session_id)
    .join(Station, Station.id == Slot.station_id)
    .join(Worker, Worker.id == Slot.worker_id)
    .outerjoin(SlotHold, SlotHold.slot_id == Slot.id)
    .where(Slot.id == bindparam("slot_id"))
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
    select(GuidanceSession.id)
    .join(Slot, Slot.session_id == GuidanceSession.id)
    .where(Slot.id == bindparam("slot_id"))
    .with_for_update(read=True, of=GuidanceSession)
)
_BEGIN_WRITING = Prepared(text("BEGIN IMMEDIATE"))


def _claim_session(connection: Connection, slot_id: int) -> None:
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            _BEGIN_WRITING.execute(connection, {})
    else:  # nothing to read: in pipeline mode it travels with the slot query
        _LOCK_SESSION.execute(connection, {"slot_id": slot_id})


_BOOKING = Booking.__table__
# the hot path's statements run straight on the driver (see persistence.prepared)
_INSERT_BOOKING = Prepared(insert(_BOOKING).returning(_BOOKING.c.id))  # type: ignore[arg-type,attr-defined]
_INSERT_REASON = Prepared(insert(BookingReason.__table__))  # type: ignore[arg-type]
_DELETE_HOLD = Prepared(
    delete(SlotHold.__table__).where(  # type: ignore[arg-type]
        SlotHold.__table__.c.slot_id == bindparam("slot_id")  # type: ignore[attr-defined]
    )
)


def create_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    request: BookingRequest,
    idempotency_key: str | None = None,
    rescheduled_from: int | None = None,
) -> BookingView:
    """Book a slot for the client in front of the nurse: one transaction.

    The database's partial unique index decides races: of any number of
    concurrent attempts at one slot exactly one commits; the rest are told the
    slot is taken. A retry with the same idempotency key returns the booking
    made the first time. Three statements and a commit: this is the hot path.
    """
    sealer, plugins, now = uow.sealer, uow.plugins, uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise InputInvalid("Idempotency-Key must be 1-100 characters", field="Idempotency-Key")
    digest = request.digest()
    if idempotency_key is not None:
        replay = _replay(
            uow,
            principal,
            idempotency_key,
            digest,
        )
        if replay is not None:
            return replay
    connection = uow.connection
    _claim_session(connection, request.slot_id)
    target = _TARGET.first(connection, {"slot_id": request.slot_id})
    ensure_bookable(
        principal,
        request.slot_id,
        now,
        municipality=target.municipality_code if target else None,
        starts_at=target.starts_at if target else None,
        session_status=target.session_status if target else None,
        worker_busy=bool(target.worker_busy) if target else False,
    )
    assert target is not None
    municipality = target.municipality_code
    _validate(request, plugins, municipality)
    if request.client_id is not None:
        owner = uow.session.scalar(
            select(ClientRecord.municipality_code).where(ClientRecord.id == request.client_id)
        )
        if owner != municipality:
            raise RecordNotFound(f"no client {request.client_id} in {municipality}", field="client_id")
    phone = normalise_phone(request.client.phone) if request.client.phone else None
    if BookingMode(target.booking_mode) is BookingMode.WALK_IN:
        raise BookingModeNotAllowed(f"{target.name_fi} takes walk-ins only", field="slot_id")
    profile = plugins.municipalities.get(municipality)
    if profile is not None and not profile.accepts_age(request.client.age):
        groups = ", ".join(f"{g.minimum}-{g.maximum}" for g in profile.age_groups)
        raise AgeNotEligible(f"{profile.name_fi} serves ages {groups}", field="client.age")
    draft = BookingDraft(
        municipality=municipality,
        station_key=target.station_key,
        starts_at=target.starts_at,
        mode=target.mode,
        client_age=request.client.age,
        reasons=tuple(request.reasons),
        preferred_language=request.preferred_language,
        interpreter_needed=request.interpreter_needed,
    )
    vetoes = plugins.booking_vetoes(draft)
    if vetoes:
        raise BookingVetoed("; ".join(vetoes))
    hold_live = target.hold_id is not None and target.hold_expires_at > now
    if request.hold_id is not None and (not hold_live or target.hold_id != request.hold_id):
        raise HoldExpired(
            f"hold {request.hold_id} has expired or is not for slot {request.slot_id}", field="hold_id"
        )
    if hold_live and target.hold_user_id != principal.user_id:
        raise SlotHeld(
            f"slot {request.slot_id} is held by someone else for a few minutes", slot_id=request.slot_id
        )
    reference = str(uuid.uuid4())
    name = request.client.name.strip()
    try:
        booking_id = _INSERT_BOOKING.first(
            connection,
            {
                "reference": reference,
                "slot_id": request.slot_id,
                "session_id": target.session_id,
                "station_id": target.station_id,
                "worker_id": target.worker_id,
                "municipality_code": municipality,
                "starts_at": target.starts_at,
                "ends_at": target.ends_at,
                "status": AppointmentStatus.BOOKED.value,
                "referrer": request.referrer.value,
                "booked_by": principal.user_id,
                "booked_at": now,
                "idempotency_key": idempotency_key,
                "request_digest": digest,
                "client_name": _seal(sealer, name, "client_name"),
                "client_phone": _seal(sealer, phone, "client_phone"),
                "client_age": request.client.age,
                "note": _seal(sealer, request.note, "note"),
                "preferred_language": request.preferred_language,
                "interpreter_needed": request.interpreter_needed,
                "existing_relationship": request.existing_relationship.value,
                "late_cancellation": False,
                "rescheduled_from": rescheduled_from,
                "client_id": request.client_id,
                "sequence": 0,
                "updated_at": now,
            },
        ).id
    except IntegrityError:
        # lost a race: either to our own retry, or to someone else's booking
        uow.rollback()
        if idempotency_key is not None:
            replay = _replay(
                uow,
                principal,
                idempotency_key,
                digest,
            )
            if replay is not None:
                return replay
        raise SlotTaken(f"slot {request.slot_id} is already booked", slot_id=request.slot_id) from None
    reasons = tuple(sorted(set(request.reasons)))
    _INSERT_REASON.executemany(connection, [{"booking_id": booking_id, "code": code} for code in reasons])
    if target.hold_id is not None:
        _DELETE_HOLD.execute(connection, {"slot_id": request.slot_id})
    _log_access(uow, principal, AccessAction.CREATE, booking_id, request.client_id, booked_by_me=True)
    uow.commit()
    log.info(
        "booking created",
        extra={"booking_id": booking_id, "slot_id": request.slot_id, "booked_by": principal.user_id},
    )
    plugins.notify(
        DomainEvent(
            EventKind.BOOKING_RESCHEDULED if rescheduled_from else EventKind.BOOKING_CREATED,
            municipality,
            booking_id,
            now,
            {
                "station": target.station_key,
                "starts_at": target.starts_at.isoformat(),
                "mode": target.mode,
                "referrer": request.referrer.value,
                "from": rescheduled_from,
            },
        )
    )
    return BookingView(
        id=booking_id,
        reference=reference,
        status=AppointmentStatus.BOOKED.value,
        slot_id=request.slot_id,
        starts_at=target.starts_at,
        ends_at=target.ends_at,
        station_id=target.station_id,
        station_key=target.station_key,
        worker_id=target.worker_id,
        worker_name=target.worker_name,
        municipality_code=municipality,
        mode=target.mode,
        reasons=reasons,
        client=ClientDetails(name=name, phone=phone, age=request.client.age),
        preferred_language=request.preferred_language,
        interpreter_needed=request.interpreter_needed,
        note=request.note,
        existing_relationship=request.existing_relationship.value,
        referrer=request.referrer.value,
        booked_by=principal.user_id,
        booked_at=now,
        cancelled_at=None,
        cancelled_by=None,
        cancel_reason=None,
        late_cancellation=False,
        rescheduled_from=rescheduled_from,
        orphaned=False,
        client_id=request.client_id,
        instructions=client_instructions(
            language=request.preferred_language,
            starts_at=target.starts_at,
            station_name_fi=target.name_fi,
            station_name_sv=target.name_sv,
            address=target.address,
            video_link=target.video_link,
        ),
    )


def _replay(
    uow: UnitOfWork,
    principal: Principal,
    key: str,
    digest: str,
) -> BookingView | None:
    """The booking an earlier attempt with this key made; answering it is a read (logged)."""
    found = uow.session.execute(
        select(Booking.id, Booking.request_digest).where(
            Booking.booked_by == principal.user_id, Booking.idempotency_key == key
        )
    ).first()
    if found is None:
        return None
    if found[1] != digest:
        raise IdempotencyMismatch(f"Idempotency-Key {key!r} was used for a different booking")
    return _replayed(
        uow,
        principal,
        found[0],
    )


def _replayed(
    uow: UnitOfWork,
    principal: Principal,
    booking_id: int,
) -> BookingView:
    """A booking returned again to a retried request: a read of client data (logged)."""
    view = _view(uow, booking_id)
    _log_access(uow, principal, AccessAction.READ, booking_id, view.client_id, booked_by_me=True)
    uow.commit()
    return BookingView(**{**view.__dict__, "replayed": True})


def _view(uow: UnitOfWork, booking_id: int) -> BookingView:
    sealer = uow.sealer
    row = uow.session.execute(
        select(Booking, Station, Worker.display_name, GuidanceSession.mode, GuidanceSession.video_link)
        .join(Station, Station.id == Booking.station_id)
        .join(Worker, Worker.id == Booking.worker_id)
        .join(GuidanceSession, GuidanceSession.id == Booking.session_id)
        .where(Booking.id == booking_id)
    ).one()
    booking, station, worker_name, mode, video_link = row
    reasons = tuple(
        uow.session.scalars(
            select(BookingReason.code)
            .where(BookingReason.booking_id == booking_id)
            .order_by(BookingReason.code)
        )
    )
    client = ClientDetails(
        name=_open(sealer, booking.client_name, "client_name") or "",
        phone=_open(sealer, booking.client_phone, "client_phone"),
        age=booking.client_age,
    )
    return BookingView(
        id=booking.id or 0,
        reference=booking.reference,
        status=booking.status,
        slot_id=booking.slot_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        station_id=station.id or 0,
        station_key=station.key,
        worker_id=booking.worker_id,
        worker_name=worker_name,
        municipality_code=booking.municipality_code,
        mode=mode,
        reasons=reasons,
        client=client,
        preferred_language=booking.preferred_language,
        interpreter_needed=booking.interpreter_needed,
        note=_open(sealer, booking.note, "note"),
        existing_relationship=booking.existing_relationship,
        referrer=booking.referrer,
        booked_by=booking.booked_by,
        booked_at=booking.booked_at,
        cancelled_at=booking.cancelled_at,
        cancelled_by=booking.cancelled_by,
        cancel_reason=booking.cancel_reason,
        late_cancellation=booking.late_cancellation,
        rescheduled_from=booking.rescheduled_from,
        orphaned=booking.orphaned_at is not None and booking.orphan_resolved_at is None,
        client_id=booking.client_id,
        instructions=client_instructions(
            language=booking.preferred_language,
            starts_at=booking.starts_at,
            station_name_fi=station.name_fi,
            station_name_sv=station.name_sv,
            address=station.address,
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
    if booking.booked_by == principal.user_id:
        return booking
    if principal.has_any_role(Role.INSTRUCTOR):
        own_worker = organisations.own_worker_id(uow, principal)
        if booking.worker_id == own_worker or booking.station_id in principal.station_ids:
            return booking
    raise RecordNotFound(f"no booking {booking_id}")


def _log_access(
    uow: UnitOfWork,
    principal: Principal,
    action: AccessAction,
    booking_id: int,
    client_id: int | None,
    *,
    booked_by_me: bool,
) -> None:
    """One access-log entry, in the use case's transaction."""
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
    _log_access(
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
        booking.cancel_reason = f"{booking.cancel_reason}; {reason.strip()}"[:500]
    elif booking.status == AppointmentStatus.BOOKED.value and booking.starts_at <= now:
        raise BookingStateInvalid(f"booking {booking_id} has begun: record its outcome instead")
    elif booking.status == AppointmentStatus.BOOKED.value:
        booking.status = AppointmentStatus.CANCELLED.value
        booking.cancelled_at = now
        booking.cancelled_by = by.value
        booking.cancel_reason = reason.strip()
        booking.late_cancellation = is_late_cancellation(now, booking.starts_at)
    else:
        raise BookingStateInvalid(f"booking {booking_id} is {booking.status} and cannot be cancelled")
    booking.sequence += 1
    booking.updated_at = now
    _log_access(
        uow,
        principal,
        AccessAction.UPDATE,
        booking_id,
        booking.client_id,
        booked_by_me=booking.booked_by == principal.user_id,
    )
    uow.commit()
    log.info("booking cancelled", extra={"booking_id": booking_id, "by": by.value})
    plugins.notify(
        DomainEvent(
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
    )
    return _view(uow, booking_id)


def reschedule_booking(
    uow: UnitOfWork,
    *,
    principal: Principal,
    booking_id: int,
    slot_id: int,
    hold_id: str | None,
    idempotency_key: str | None = None,
) -> BookingView:
    """Move a booking to another slot: a new booking linked to the old, which
    is cancelled; an orphaned booking is resolved this way. One transaction.

    A retry with the same ``Idempotency-Key`` returns the booking the first
    attempt made, whatever the old booking's state is by now.
    """
    now = uow.now
    old = _visible_booking(uow, principal, booking_id)
    if idempotency_key is not None:
        earlier = uow.session.scalar(
            select(Booking.id).where(
                Booking.booked_by == principal.user_id,
                Booking.idempotency_key == idempotency_key,
                Booking.rescheduled_from == booking_id,
            )
        )
        if earlier is not None:
            return _replayed(
                uow,
                principal,
                earlier,
            )
    orphaned = old.orphaned_at is not None and old.orphan_resolved_at is None
    if old.status != AppointmentStatus.BOOKED.value and not orphaned:
        raise BookingStateInvalid(f"booking {booking_id} is {old.status} and cannot be moved")
    if slot_id == old.slot_id:
        raise InputInvalid("choose a different slot", field="slot_id")
    current = _view(uow, booking_id)
    request = BookingRequest(
        slot_id=slot_id,
        client=current.client,
        reasons=current.reasons,
        preferred_language=current.preferred_language,
        interpreter_needed=current.interpreter_needed,
        note=current.note,
        existing_relationship=ClientRelationship(current.existing_relationship),
        referrer=Referrer(current.referrer),
        hold_id=hold_id,
        client_id=old.client_id,
    )
    by = _cancelled_by_for(principal, None)
    if orphaned:
        old.orphan_resolved_at = now
    else:
        old.status = AppointmentStatus.CANCELLED.value
        old.cancelled_at = now
        old.cancelled_by = by.value
        old.cancel_reason = "rescheduled"
        old.late_cancellation = False
    old.sequence += 1
    old.updated_at = now
    uow.session.flush()
    _log_access(
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


@dataclass(frozen=True)
class OrphanedBooking:
    booking: BookingView
    options: tuple[int, ...]  # slot ids: the client's next options at the same station or nearby


def list_orphaned_bookings(
    uow: UnitOfWork,
    *,
    principal: Principal,
) -> list[OrphanedBooking]:
    """Bookings whose session was cancelled under them, on the booker's worklist."""
    ids = list(
        uow.session.scalars(
            select(Booking.id)
            .where(
                Booking.booked_by == principal.user_id,
                Booking.orphaned_at.is_not(None),
                Booking.orphan_resolved_at.is_(None),
            )
            .order_by(Booking.starts_at)
        )
    )
    found = []
    for booking_id in ids:
        view = _view(uow, booking_id)
        _log_access(uow, principal, AccessAction.READ, booking_id, view.client_id, booked_by_me=True)
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
