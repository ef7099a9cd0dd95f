"""Tables of visits: their outcomes, onward referrals and corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


class Visit(SQLModel, table=True):
    """What happened at a guidance meeting: the statistics are read from here."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint("(booking_id IS NULL) <> (walk_in_id IS NULL)", name="ck_visit_one_source"),
        # covering for the statistics' GROUP BY (and for range reads by municipality and time)
        Index("ix_visit_statistics", "municipality_code", "occurred_at", "outcome", "referrer", "topic"),
        Index("ix_visit_changed", "municipality_code", "recorded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("booking.id"), unique=True, nullable=True)
    )
    walk_in_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("walk_in_place.id"), unique=True, nullable=True)
    )
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    station_id: int = Field(sa_column=_fk("station.id"))
    worker_id: int = Field(sa_column=_fk("worker.id"))
    occurred_at: datetime = Field(sa_column=_utc())
    referrer: str = Field(max_length=8)
    outcome: str = Field(max_length=20)
    topic: str | None = Field(default=None, max_length=64)
    shl_notification_to: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    network_meeting_coordinated: bool = False
    follow_up_needed: bool = False
    recorded_by: int = Field(sa_column=_fk("user_account.id"))
    recorded_at: datetime = Field(sa_column=_utc())
    revision: int = 1


class VisitReferral(SQLModel, table=True):
    __tablename__ = "visit_referral"

    visit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True)
    )
    target: str = Field(sa_column=Column(String(64), primary_key=True))
    mode: str = Field(max_length=10)


class VisitRevision(SQLModel, table=True):
    """The values a correction replaced, so history is never lost."""

    __tablename__ = "visit_revision"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(sa_column=_fk("visit.id", ondelete="CASCADE"))
    revision: int
    snapshot: str = Field(sa_column=Column(Text(), nullable=False))  # sealed JSON of the replaced values
    changed_by: int = Field(sa_column=_fk("user_account.id"))
    changed_at: datetime = Field(sa_column=_utc())
