"""The outbox's one table. A message is written in the transaction of the change that causes
it; workers claim due ones with a lease and mark them delivered, to retry or dead.

Recipient, subject and body are sealed (``outbox_message.recipient`` ... in
``SEALED_COLUMNS``). The rest is what the admins' list shows: channel, kind, status, times,
attempts and the last error, which channels word without the recipient or the message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime

STATUSES = "('pending', 'delivered', 'dead', 'withdrawn')"


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="ck_outbox_message_status"),
        CheckConstraint("attempts >= 0", name="ck_outbox_message_attempts"),
        UniqueConstraint("idempotency_key", name="uq_outbox_message_idempotency"),
        # the workers' question: pending and due, oldest first (a partial index: delivered
        # messages, nearly all of them, stay out of it)
        Index(
            "ix_outbox_message_due",
            "due_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # the admins' list: a county's messages, newest first
        Index("ix_outbox_message_county", "county_code", "created_at"),
        # withdrawing what a cancelled booking had waiting
        Index(
            "ix_outbox_message_about",
            "about",
            sqlite_where=text("about IS NOT NULL"),
            postgresql_where=text("about IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", max_length=2)
    channel: str = Field(max_length=40)
    kind: str = Field(max_length=40)
    language: str = Field(max_length=2)
    #: unique: enqueuing the same message twice adds nothing; channels pass it on
    idempotency_key: str = Field(max_length=200)
    about: str | None = Field(default=None, max_length=60)
    recipient: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    subject: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    body: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    #: an iCalendar object sent beside the body (a calendar invitation), sealed; or none
    calendar: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    quiet_hours: bool = False
    status: str = Field(max_length=12)
    attempts: int = 0
    created_at: datetime = Field(sa_column=_utc())
    due_at: datetime = Field(sa_column=_utc())
    #: a worker holds the message until then; after it, another may take it over
    lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    leased_by: str | None = Field(default=None, max_length=100)
    last_attempt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    delivered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_error: str | None = Field(default=None, max_length=300)
