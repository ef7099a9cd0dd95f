"""Tables of intensive social rehabilitation: decisions, periods, contacts, groups,
3X10D measurements and period feedback.

Invariants held by the database:

- one active (not closed) period per client and service: a partial unique index;
- a period never ends after its maximum: check constraints on the dates;
- a 3X10D answer is a whole number 0-10: a check constraint;
- one measurement per period and point, one feedback per period and window.

Free text about a client (goals, notes, exception reasons, feedback) is sealed
(see services.sealing) and listed in ``clients.SEALED_COLUMNS``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime

ACTIVE_PERIOD = text("ended_on IS NULL")


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _date(*, nullable: bool = False) -> Column[date]:
    return Column(Date(), nullable=nullable)


def _fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


def _sealed(*, nullable: bool = True) -> Column[str]:
    return Column(Text(), nullable=nullable)


class ServiceDecision(SQLModel, table=True):
    """A fixed-term decision on a service (määräaikainen päätös), made by client guidance."""

    __tablename__ = "service_decision"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_until", name="ck_service_decision_validity"),
        Index("ix_service_decision_client", "client_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client_record.id"))
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    service: str = Field(max_length=64)
    decided_on: date = Field(sa_column=_date())
    valid_from: date = Field(sa_column=_date())
    valid_until: date = Field(sa_column=_date())
    decision_maker: str = Field(sa_column=_sealed(nullable=False))  # names the official, not the client
    created_by: int = Field(sa_column=_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())


class IntensivePeriod(SQLModel, table=True):
    __tablename__ = "intensive_period"
    __table_args__ = (
        Index(
            "uq_intensive_period_active",
            "client_id",
            "service",
            unique=True,
            sqlite_where=ACTIVE_PERIOD,
            postgresql_where=ACTIVE_PERIOD,
        ),
        CheckConstraint("starts_on <= planned_end", name="ck_intensive_period_order"),
        CheckConstraint("planned_end <= max_end", name="ck_intensive_period_max"),
        CheckConstraint(
            "ended_on IS NULL OR (ended_on >= starts_on AND ended_on <= max_end)",
            name="ck_intensive_period_ended",
        ),
        Index("ix_intensive_period_municipality_start", "municipality_code", "starts_on"),
        Index("ix_intensive_period_worker", "responsible_worker_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(sa_column=_fk("service_decision.id"))
    client_id: int = Field(sa_column=_fk("client_record.id"))
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    service: str = Field(max_length=64)
    starts_on: date = Field(sa_column=_date())
    planned_end: date = Field(sa_column=_date())
    max_end: date = Field(sa_column=_date())
    ended_on: date | None = Field(default=None, sa_column=_date(nullable=True))
    end_reason: str | None = Field(default=None, max_length=32)
    responsible_worker_id: int = Field(sa_column=_fk("worker.id"))
    co_worker_id: int | None = Field(default=None, sa_column=_fk("worker.id", nullable=True))
    weekly_target: int
    age_exception_reason: str | None = Field(default=None, sa_column=_sealed())
    created_by: int = Field(sa_column=_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())
    closed_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))

    @property
    def last_day(self) -> date:
        """The day the period ends: when it was closed, else as planned."""
        return self.ended_on or self.planned_end


class PeriodGoal(SQLModel, table=True):
    """A goal set with the client; sub-goals point to their goal."""

    __tablename__ = "period_goal"

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=_fk("intensive_period.id", ondelete="CASCADE"))
    parent_id: int | None = Field(default=None, sa_column=_fk("period_goal.id", nullable=True))
    position: int
    text: str = Field(sa_column=_sealed(nullable=False))


class RehabGroup(SQLModel, table=True):
    """A closed group (suljettu ryhmä): fixed members, recurring meetings."""

    __tablename__ = "rehab_group"

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    name: str = Field(max_length=200)
    created_by: int = Field(sa_column=_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())


class GroupWorker(SQLModel, table=True):
    __tablename__ = "group_worker"

    group_id: int = Field(sa_column=Column(Integer, ForeignKey("rehab_group.id"), primary_key=True))
    worker_id: int = Field(sa_column=Column(Integer, ForeignKey("worker.id"), primary_key=True))


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"

    group_id: int = Field(sa_column=Column(Integer, ForeignKey("rehab_group.id"), primary_key=True))
    period_id: int = Field(sa_column=Column(Integer, ForeignKey("intensive_period.id"), primary_key=True))


class GroupMeeting(SQLModel, table=True):
    __tablename__ = "group_meeting"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_group_meeting_order"),
        UniqueConstraint("group_id", "starts_at", name="uq_group_meeting_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("rehab_group.id"))
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    place: str | None = Field(default=None, max_length=300)


class Contact(SQLModel, table=True):
    """A planned contact of a contact plan; group sessions have one per member."""

    __tablename__ = "contact"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_contact_order"),
        UniqueConstraint("group_meeting_id", "period_id", name="uq_contact_group_member"),
        Index("ix_contact_period_start", "period_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=_fk("intensive_period.id"))
    kind: str = Field(max_length=32)
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    place: str | None = Field(default=None, sa_column=_sealed())  # may be the client's home
    video_link: str | None = Field(default=None, max_length=500)
    group_meeting_id: int | None = Field(default=None, sa_column=_fk("group_meeting.id", nullable=True))
    status: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_column=_sealed())
    #: raised by one on every change (calendar feeds carry it as SEQUENCE)
    sequence: int = 0
    created_by: int = Field(sa_column=_fk("user_account.id"))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class ContactWorker(SQLModel, table=True):
    __tablename__ = "contact_worker"
    __table_args__ = (Index("ix_contact_worker_worker", "worker_id"),)

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    worker_id: int = Field(sa_column=Column(Integer, ForeignKey("worker.id"), primary_key=True))


class Measurement(SQLModel, table=True):
    """A 3X10D life-situation measurement: raw 0-10 answers by item key."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("period_id", "point", name="uq_measurement_period_point"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=_fk("intensive_period.id"))
    point: str = Field(max_length=16)
    measured_on: date = Field(sa_column=_date())
    recorded_by: int = Field(sa_column=_fk("user_account.id"))
    recorded_at: datetime = Field(sa_column=_utc())


class MeasurementAnswer(SQLModel, table=True):
    __tablename__ = "measurement_answer"
    __table_args__ = (CheckConstraint("value BETWEEN 0 AND 10", name="ck_measurement_answer_range"),)

    measurement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("measurement.id", ondelete="CASCADE"), primary_key=True)
    )
    item_key: str = Field(sa_column=Column(Text(), primary_key=True))
    value: int


class PeriodFeedback(SQLModel, table=True):
    """The client's feedback on the period: at its end, or in a quarter's collection window."""

    __tablename__ = "period_feedback"
    __table_args__ = (
        UniqueConstraint("period_id", "window", name="uq_period_feedback_window"),
        CheckConstraint("useful IN ('yes', 'partly', 'no')", name="ck_period_feedback_useful"),
        CheckConstraint("towards_goals IN ('yes', 'partly', 'no')", name="ck_period_feedback_goals"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=_fk("intensive_period.id"))
    kind: str = Field(max_length=16)
    window: str = Field(max_length=8)  # "end", or the quarter, e.g. "2026Q2"
    submitted_on: date = Field(sa_column=_date())
    useful: str = Field(max_length=8)
    towards_goals: str = Field(max_length=8)
    free_text: str | None = Field(default=None, sa_column=_sealed())
    recorded_by: int = Field(sa_column=_fk("user_account.id"))
    recorded_at: datetime = Field(sa_column=_utc())


__all__ = [
    "Contact",
    "ContactWorker",
    "GroupMeeting",
    "GroupMember",
    "GroupWorker",
    "IntensivePeriod",
    "Measurement",
    "MeasurementAnswer",
    "PeriodFeedback",
    "PeriodGoal",
    "RehabGroup",
    "ServiceDecision",
]
