"""What announces itself to a booker: her times to rebook (bookings whose session was cancelled
under them, not yet rebooked or dismissed), counted for the menu and the start page on every
page she opens, so in one small statement."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.tables import Booking


def orphaned_count(uow: UnitOfWork, *, principal: Principal) -> int:
    """Her bookings on the "times to rebook" list (``list_orphaned_bookings``)."""
    return int(
        uow.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                col(Booking.booked_by) == principal.user_id,
                col(Booking.orphaned_at).is_not(None),
                col(Booking.orphan_resolved_at).is_(None),
            )
        )
        or 0
    )
