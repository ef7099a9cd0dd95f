"""Consultations between health staff and social care, and SHL §35 notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


def _fk(target: str, *, nullable: bool = False) -> Column[int]:
    return Column(Integer, ForeignKey(target), nullable=nullable)


class Consultation(SQLModel, table=True):
    """Anonymous unless ``client_id`` is set, which needs a consent (``consent_id``)."""

    __tablename__ = "consultation"
    __table_args__ = (
        Index("ix_consultation_municipality_created", "municipality_code", "created_at"),
        # the menu's counts on every page: hers, and those addressed to her (migration 0016)
        Index("ix_consultation_asked_by", "asked_by"),
        Index("ix_consultation_to_worker", "to_worker_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    channel: str = Field(max_length=16)
    asked_by: int = Field(sa_column=_fk("user_account.id"))
    to_worker_id: int | None = Field(default=None, sa_column=_fk("worker.id", nullable=True))
    client_id: int | None = Field(default=None, sa_column=_fk("client_record.id", nullable=True))
    consent_id: int | None = Field(default=None, sa_column=_fk("consent.id", nullable=True))
    question: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    answered_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))


class ConsultationMessage(SQLModel, table=True):
    __tablename__ = "consultation_message"
    #: a consultation's messages beyond a read marker (the thread, the menu's counts)
    __table_args__ = (Index("ix_consultation_message_consultation", "consultation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(sa_column=_fk("consultation.id"))
    author_id: int = Field(sa_column=_fk("user_account.id"))
    body: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ConsultationRead(SQLModel, table=True):
    """How far each participant has read: the unread count is what lies beyond."""

    __tablename__ = "consultation_read"

    consultation_id: int = Field(sa_column=Column(Integer, ForeignKey("consultation.id"), primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), primary_key=True))
    last_message_id: int


class ShlNotification(SQLModel, table=True):
    """Notification of a need for social care (Social Welfare Act §35).

    Sent to the receiving unit its county configured (``ShlReceiver``); ``to_organisation``
    keeps the receiver's name as it was when sent. Rows made before the inbox existed have no
    unit and no ground code (their free-text ground stays in ``ground_without_consent``).
    """

    __tablename__ = "shl_notification"
    __table_args__ = (
        # the receiving unit's inbox, open ones first; the sender's own list (migration 0021)
        Index("ix_shl_notification_unit_status", "to_unit_id", "status", "created_at"),
        Index("ix_shl_notification_from_user", "from_user", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    from_user: int = Field(sa_column=_fk("user_account.id"))
    to_organisation: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    to_unit_id: int | None = Field(default=None, sa_column=_fk("service_unit.id", nullable=True))
    client_id: int | None = Field(default=None, sa_column=_fk("client_record.id", nullable=True))
    consent_id: int | None = Field(default=None, sa_column=_fk("consent.id", nullable=True))
    #: ShlGround: consent, or one of §35's grounds without it
    ground: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    #: sealed: what shows the ground without consent (before 0021, the ground itself in words)
    ground_without_consent: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    summary: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    status: str = Field(default="sent", max_length=16)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ShlStatusChange(SQLModel, table=True):
    """Who moved a notification on, when, from what to what (append-only)."""

    __tablename__ = "shl_status_change"
    __table_args__ = (Index("ix_shl_status_change_notification", "notification_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(sa_column=_fk("shl_notification.id"))
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    by_user: int = Field(sa_column=_fk("user_account.id"))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ShlReceiver(SQLModel, table=True):
    """Where a county's SHL notifications go: an intake unit of social care in sotesilta, and
    optionally the unit's secure e-mail address (delivered to once the message outbox exists)."""

    __tablename__ = "shl_receiver"
    __table_args__ = (
        # the receiving unit is one of the county's own
        ForeignKeyConstraint(
            ["unit_id", "county_code"],
            ["service_unit.id", "service_unit.county_code"],
            name="fk_shl_receiver_unit_county",
        ),
    )

    county_code: str = Field(sa_column=Column(String(2), ForeignKey("county.code"), primary_key=True))
    unit_id: int = Field(sa_column=Column(Integer, nullable=False))
    #: an organisation's mailbox, not a person's: kept in plain text like other organisation data
    secure_email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: int | None = Field(default=None, sa_column=_fk("user_account.id", nullable=True))
