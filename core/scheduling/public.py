"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import (
    OUTCOME_STATUS,
    SLOT_HOLDING_STATUSES,
    AppointmentStatus,
    CancelledBy,
    ReferralMode,
    Referrer,
    VisitOutcome,
    WalkInStatus,
)
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.service.news import orphaned_count
from sotesilta.core.scheduling.service.sessions import SessionView, list_sessions
from sotesilta.core.scheduling.service.walk_ins import (
    Queue,
    WalkInQueueEmpty,
    call_next_walk_in,
    mark_walk_in_seen,
    walk_in_queue,
)
from sotesilta.core.scheduling.tables import Absence, Booking, GuidanceSession, WalkInPlace, WorkerBusy

__all__ = [
    "OUTCOME_STATUS",
    "SLOT_HOLDING_STATUSES",
    "Absence",
    "AppointmentStatus",
    "Booking",
    "CancelledBy",
    "GuidanceSession",
    "Queue",
    "ReferralMode",
    "Referrer",
    "SessionStatus",
    "SessionView",
    "VisitOutcome",
    "WalkInPlace",
    "WalkInQueueEmpty",
    "WalkInStatus",
    "WorkerBusy",
    "call_next_walk_in",
    "list_sessions",
    "mark_walk_in_seen",
    "no_visit",
    "orphaned_count",
    "walk_in_queue",
]


def no_visit(uow: UnitOfWork, booking_id: int) -> None:
    """The client did not come to a booked visit: the feedback link waiting for them is withdrawn."""
    # imported here: booking_messages reads feedback's public module, which imports this one
    from sotesilta.core.scheduling.service import booking_messages

    booking_messages.no_visit(uow, booking_id)
