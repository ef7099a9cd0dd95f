"""Changing a station, closing it included: organisations keeps the station, but closing one
cancels its sessions and bookings, which are this feature's, so the decision is made here.

A closed station takes no new sessions: its later sessions are cancelled and its
session rules end. Booked visits are never dropped silently: without ``rebook`` the
change is refused with the list of them (``StationHasBookings``); with it they are
cancelled onto the bookers' times-to-rebook worklist, as an absence does.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from sqlalchemy import and_, select
from sqlmodel import col

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.organisations.public import Station, StationDraft, StationView
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus, WalkInStatus
from sotesilta.core.scheduling.domain.sessions import SessionStatus
from sotesilta.core.scheduling.service.sessions import cancel_sessions, orphan_bookings
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, SessionRule, WalkInPlace

log = logging.getLogger("sotesilta.sessions")
#: why a session or booking was cancelled, for the feeds and the worklists
STATION_CLOSED = "station closed"


class StationHasBookings(DomainError):
    """Closing the station would cancel booked visits, and the admin did not say to rebook them."""

    kind = "conflict"
    code = "station-has-bookings"
    title = "The station has booked visits ahead"


def update_station_checked(
    uow: UnitOfWork, *, by: Principal | None, station_id: int, draft: StationDraft, rebook: bool = False
) -> StationView:
    """Replace a station (``updateStation``); closing it ends what is planned there."""
    station = organisations.station_for_update(uow, by=by, station_id=station_id, draft=draft)
    if station.active and not draft.active:
        _close(uow, station, rebook=rebook)
    return organisations.update_station(uow, by=by, station=station, draft=draft)


def _close(uow: UnitOfWork, station: Station, *, rebook: bool) -> None:
    now = uow.now
    session = uow.session
    later = and_(
        col(GuidanceSession.station_id) == station.id,
        col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
        # a session already under way is left to finish
        col(GuidanceSession.starts_at) > now,
    )
    # locked: a booking racing this either commits first (and is listed or rebooked
    # below) or waits and finds its session cancelled (bookings._claim_session)
    found = session.scalars(select(col(GuidanceSession.id)).where(later).with_for_update())
    affected = cast("list[int]", list(found))  # primary keys read back are never None
    booked = session.execute(
        select(col(Booking.id), col(Booking.starts_at))
        .where(col(Booking.session_id).in_(affected), col(Booking.status) == AppointmentStatus.BOOKED.value)
        .order_by(col(Booking.starts_at), col(Booking.id))
    ).all()
    walk_ins = session.scalars(
        select(col(WalkInPlace.session_id)).where(
            col(WalkInPlace.session_id).in_(affected), col(WalkInPlace.status) != WalkInStatus.FREE.value
        )
    ).first()
    if walk_ins is not None:
        # a walk-in client has no booker to rebook them: the session must be held or ended first
        raise StationHasBookings(
            "walk-in clients are registered in a later session at the station", field="active"
        )
    if booked and not rebook:
        raise StationHasBookings(
            f"the station has {len(booked)} booked visit(s) ahead: move them first, or close it "
            "with rebook=true to send them to the bookers' times to rebook",
            field="active",
            # ids and times only: the problem body names no client
            bookings=[{"id": booking_id, "starts_at": at.isoformat()} for booking_id, at in booked],
        )
    orphaned = orphan_bookings(uow, col(Booking.session_id).in_(affected), reason=STATION_CLOSED)
    cancel_sessions(uow, affected, reason=STATION_CLOSED)
    _end_rules(uow, station.id or 0)
    log.info(
        "station closed",
        extra={"station_id": station.id, "cancelled": len(affected), "orphaned": orphaned},
    )


def _end_rules(uow: UnitOfWork, station_id: int) -> None:
    """The station's rules make nothing after today (their later sessions are cancelled above)."""
    today = uow.now.astimezone(HELSINKI).date()
    last = today - timedelta(days=1)
    rules = uow.session.scalars(
        select(SessionRule).where(
            col(SessionRule.station_id) == station_id, col(SessionRule.active).is_(True)
        )
    )
    for rule in rules:
        if rule.until_date is None or rule.until_date > last:
            rule.until_date = last
        # a rule ended before its first day makes nothing: out of the daily generation
        rule.active = rule.until_date >= rule.first_date
        uow.session.add(rule)
    uow.session.flush()
