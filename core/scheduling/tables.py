"""Tables of guidance sessions, slots, holds, bookings, walk-ins and visits.

The invariants live here, in the database, so they hold across threads,
processes and server instances:

- one slot-holding booking per slot: a partial unique index;
- one hold per slot: the primary key;
- walk-ins never exceed capacity: places are rows made with the session, and
  registering claims a free one;
- one worker's scheduled sessions never overlap: an exclusion constraint on
  PostgreSQL, triggers on SQLite (see the migration).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime
from sotesilta.core.scheduling.domain.bookings import SLOT_HOLDING_STATUSES

_HOLDING = ", ".join(f"'{s.value}'" for s in SLOT_HOLDING_STATUSES)
SLOT_HOLDING_PREDICATE = text(f"status IN ({_HOLDING})")


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


class SessionRule(SQLModel, table=True):
    """A repeat rule that generates guidance sessions for a rolling horizon."""

    __tablename__ = "session_rule"

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(sa_column=_fk("worker.id"))
    station_id: int = Field(sa_column=_fk("station.id"))
    weekday: int
    start_local: time = Field(sa_column=Column(Time(), nullable=False))
    end_local: time = Field(sa_column=Column(Time(), nullable=False))
    interval_weeks: int
    first_date: date = Field(sa_column=Column(Date(), nullable=False))
    until_date: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    slot_minutes: int
    breaks: str = Field(default="", max_length=500)  # "11:30-12:00,13:30-13:45"
    booked_slots: bool = True
    walk_in_start: time | None = Field(default=None, sa_column=Column(Time(), nullable=True))
    walk_in_end: time | None = Field(default=None, sa_column=Column(Time(), nullable=True))
    walk_in_capacity: int = 0
    mode: str = Field(max_length=16)
    video_link: str | None = Field(default=None, max_length=500)
    active: bool = True
    generated_until: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    created_by: int = Field(sa_column=_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())


class GuidanceSession(SQLModel, table=True):
    __tablename__ = "guidance_session"
    __table_args__ = (
        UniqueConstraint("rule_id", "local_date", name="uq_guidance_session_rule_day"),
        Index("ix_guidance_session_station_start", "station_id", "starts_at"),
        Index("ix_guidance_session_worker_start", "worker_id", "starts_at"),
        CheckConstraint("starts_at < ends_at", name="ck_guidance_session_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int | None = Field(default=None, sa_column=_fk("session_rule.id", nullable=True))
    worker_id: int = Field(sa_column=_fk("worker.id"))
    station_id: int = Field(sa_column=_fk("station.id"))
    local_date: date = Field(sa_column=Column(Date(), nullable=False))
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    walk_in_starts_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    walk_in_ends_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    walk_in_capacity: int = 0
    mode: str = Field(max_length=16)
    video_link: str | None = Field(default=None, max_length=500)
    status: str = Field(default="scheduled", max_length=16)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    #: raised by one on every change (iCal SEQUENCE); when it last changed
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Slot(SQLModel, table=True):
    """A bookable time. Free means: no slot-holding booking and no live hold."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("session_id", "starts_at", name="uq_slot_session_start"),
        # free-slot search: by station and time
        Index("ix_slot_station_start", "station_id", "starts_at"),
        # ...and across stations (a municipality's soonest): read in order, stopped at the limit
        Index("ix_slot_start", "starts_at", "id"),
        CheckConstraint("starts_at < ends_at", name="ck_slot_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(sa_column=_fk("guidance_session.id", ondelete="CASCADE"))
    station_id: int = Field(sa_column=_fk("station.id"))
    worker_id: int = Field(sa_column=_fk("worker.id"))
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())


class SlotHold(SQLModel, table=True):
    __tablename__ = "slot_hold"

    slot_id: int = Field(
        sa_column=Column(Integer, ForeignKey("slot.id", ondelete="CASCADE"), primary_key=True)
    )
    hold_id: str = Field(max_length=36, unique=True)
    user_id: int = Field(sa_column=_fk("user_account.id", ondelete="CASCADE"))
    expires_at: datetime = Field(sa_column=_utc())


class Booking(SQLModel, table=True):
    """A booked guidance visit. Client fields are sealed (see services.sealing)."""

    __tablename__ = "booking"
    __table_args__ = (
        Index(
            "uq_booking_slot_holding",
            "slot_id",
            unique=True,
            sqlite_where=SLOT_HOLDING_PREDICATE,
            postgresql_where=SLOT_HOLDING_PREDICATE,
        ),
        UniqueConstraint("booked_by", "idempotency_key", name="uq_booking_idempotency"),
        Index("ix_booking_worker_start", "worker_id", "starts_at"),
        # the menu's count of a booker's orphaned bookings, on every page: only those are in it
        Index(
            "ix_booking_orphaned",
            "booked_by",
            sqlite_where=text("orphaned_at IS NOT NULL AND orphan_resolved_at IS NULL"),
            postgresql_where=text("orphaned_at IS NOT NULL AND orphan_resolved_at IS NULL"),
        ),
        # a registered client's bookings (access by client relationship); most bookings name none
        Index(
            "ix_booking_client_id",
            "client_id",
            sqlite_where=text("client_id IS NOT NULL"),
            postgresql_where=text("client_id IS NOT NULL"),
        ),
        # partial: most bookings were never moved, and an index of NULLs looks useless to
        # SQLite's planner, which then scans the table once per cancelled booking
        Index(
            "ix_booking_rescheduled_from",
            "rescheduled_from",
            sqlite_where=text("rescheduled_from IS NOT NULL"),
            postgresql_where=text("rescheduled_from IS NOT NULL"),
        ),
        # statistics read these columns only: covering indexes keep a yearly report in milliseconds
        Index(
            "ix_booking_referrals", "municipality_code", "booked_at", "referrer", "rescheduled_from", "status"
        ),
        Index("ix_booking_cancellations", "municipality_code", "status", "starts_at", "late_cancellation"),
        # what changed since the statistics last looked (their monthly rollup)
        Index("ix_booking_changed", "municipality_code", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=36, unique=True)  # unguessable, for links
    slot_id: int = Field(sa_column=_fk("slot.id"))
    session_id: int = Field(sa_column=_fk("guidance_session.id"))
    station_id: int = Field(sa_column=_fk("station.id"))
    worker_id: int = Field(sa_column=_fk("worker.id"))
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    status: str = Field(max_length=20)
    referrer: str = Field(default="staff", max_length=8)
    booked_by: int = Field(sa_column=_fk("user_account.id"))
    booked_at: datetime = Field(sa_column=_utc())
    idempotency_key: str | None = Field(default=None, max_length=100)
    request_digest: str | None = Field(default=None, max_length=64)
    client_name: str = Field(sa_column=Column(Text(), nullable=False))
    client_phone: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    client_email: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    #: the channel the client agreed to messages by at booking; NULL: no messages
    message_channel: str | None = Field(default=None, max_length=8)
    client_age: int
    #: the registered client, when the nurse picked one (the access log reports by it)
    client_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("client_record.id"), nullable=True)
    )
    note: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    preferred_language: str = Field(max_length=2)
    interpreter_needed: bool = False
    existing_relationship: str = Field(max_length=8)
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    cancelled_by: str | None = Field(default=None, max_length=12)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    late_cancellation: bool = False
    rescheduled_from: int | None = Field(default=None, sa_column=_fk("booking.id", nullable=True))
    orphaned_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    orphan_resolved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    sequence: int = 0  # raised on every change (iCal SEQUENCE)
    updated_at: datetime = Field(sa_column=_utc())


class BookingReason(SQLModel, table=True):
    __tablename__ = "booking_reason"

    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True)
    )
    code: str = Field(sa_column=Column(String(64), primary_key=True))


class WalkInPlace(SQLModel, table=True):
    """One row per walk-in place of a session; registering claims a free one."""

    __tablename__ = "walk_in_place"
    __table_args__ = (UniqueConstraint("session_id", "number", name="uq_walk_in_place_number"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(sa_column=_fk("guidance_session.id", ondelete="CASCADE"))
    number: int
    status: str = Field(default="free", max_length=8)
    referrer: str | None = Field(default=None, max_length=8)
    registered_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))
    registered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    called_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    called_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))
    #: when the arrival joined the waiting line: at registration, and again when a called
    #: client who did not answer is put back (behind those waiting then)
    queued_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    preferred_language: str | None = Field(default=None, max_length=2)


class WalkInReason(SQLModel, table=True):
    """The reasons given when an arrival was registered (the municipality's reason list)."""

    __tablename__ = "walk_in_reason"

    place_id: int = Field(
        sa_column=Column(Integer, ForeignKey("walk_in_place.id", ondelete="CASCADE"), primary_key=True)
    )
    code: str = Field(sa_column=Column(String(64), primary_key=True))


class Absence(SQLModel, table=True):
    __tablename__ = "absence"

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(sa_column=_fk("worker.id"))
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    reason: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    recorded_by: int = Field(sa_column=_fk("user_account.id"))
    recorded_at: datetime = Field(sa_column=_utc())
    #: whether it keeps what it cancelled (``absence_session``, ``absence_booking``): those
    #: recorded before migration 0014 do not, and cannot be undone
    tracked: bool = Field(default=True, sa_column=Column(Boolean(), nullable=False, server_default=false()))
    undone_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    undone_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))


class AbsenceSession(SQLModel, table=True):
    """A session an absence cancelled (``whole``) or closed in part (its times in the absence
    blocked); ``undo_outcome`` says what undoing the absence did with it."""

    __tablename__ = "absence_session"

    absence_id: int = Field(
        sa_column=Column(Integer, ForeignKey("absence.id", ondelete="CASCADE"), primary_key=True)
    )
    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("guidance_session.id", ondelete="CASCADE"), primary_key=True)
    )
    whole: bool
    undo_outcome: str | None = Field(default=None, max_length=24)


class AbsenceBooking(SQLModel, table=True):
    """A booking an absence cancelled; ``undo_outcome`` says what undoing the absence did with it."""

    __tablename__ = "absence_booking"

    absence_id: int = Field(
        sa_column=Column(Integer, ForeignKey("absence.id", ondelete="CASCADE"), primary_key=True)
    )
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    undo_outcome: str | None = Field(default=None, max_length=24)


class WorkerBusy(SQLModel, table=True):
    """A time a worker is busy elsewhere (e.g. from their linked external calendar).

    Only start and end are kept. Free-slot search and booking skip slots that
    overlap one. ``source`` names who wrote it (e.g. ``external:7``), so a
    refresh replaces exactly its own blocks.
    """

    __tablename__ = "worker_busy"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_worker_busy_order"),
        Index("ix_worker_busy_worker_start", "worker_id", "starts_at"),
        Index("ix_worker_busy_source", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(sa_column=_fk("worker.id"))
    source: str = Field(max_length=64)
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())


__all__ = [
    "Absence",
    "AbsenceBooking",
    "AbsenceSession",
    "Booking",
    "BookingReason",
    "GuidanceSession",
    "SessionRule",
    "Slot",
    "SlotHold",
    "WalkInPlace",
    "WalkInReason",
    "WorkerBusy",
]
