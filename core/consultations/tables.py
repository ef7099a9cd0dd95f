"""Consultations between health staff and social care, and SHL §35 notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
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
    """Notification of a need for social care (Social Welfare Act §35)."""

    __tablename__ = "shl_notification"

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    from_user: int = Field(sa_column=_fk("user_account.id"))
    to_organisation: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    client_id: int | None = Field(default=None, sa_column=_fk("client_record.id", nullable=True))
    consent_id: int | None = Field(default=None, sa_column=_fk("consent.id", nullable=True))
    ground_without_consent: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    summary: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    status: str = Field(default="sent", max_length=16)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
