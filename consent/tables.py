"""Tables of the consent plugin: consents and the hash-chained access log.

They live on the shared metadata; their migration is part of the one
migration history (core/migrations, revision 0004), which refers
to table names only and imports nothing from here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from sotesilta.core.plugin_api.data import UTCDateTime


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Consent(SQLModel, table=True):
    __tablename__ = "consent"
    __table_args__ = (
        # one live consent per client, scope and recipient: the database says so
        Index(
            "uq_consent_live",
            "client_id",
            "scope",
            "recipient",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=Column(Integer, ForeignKey("client_record.id"), nullable=False))
    scope: str = Field(max_length=32)
    recipient: str = Field(max_length=200)
    given_how: str = Field(max_length=16)
    valid_from: datetime = Field(sa_column=_utc())
    valid_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    recorded_by: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False))
    recorded_at: datetime = Field(sa_column=_utc())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    withdrawn_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=True)
    )


class AccessEventFields(SQLModel):
    """What an access-log entry records: the chained entries and the pending ones alike."""

    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    user_id: int
    role: str = Field(max_length=32)
    action: str = Field(max_length=16)
    subject_type: str = Field(max_length=32)
    subject_id: int
    client_id: int | None = Field(default=None)
    basis: str = Field(max_length=32)
    consent_id: int | None = Field(default=None)
    reason: str | None = Field(default=None, sa_type=Text)


class AccessLogEntry(AccessEventFields, table=True):
    """One reading or change of a client's data. Append-only; hash-chained."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_client_at", "client_id", "at"),)

    seq: int = Field(primary_key=True)  # gapless, assigned under the head row's lock
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


class AccessLogPending(AccessEventFields, table=True):
    """An access-log entry written on PostgreSQL, committed with its use case, not chained yet.

    The chainer (``audit.chain_pending``: in the background of every server process, one
    at a time) moves committed entries into ``access_log`` in the order of their ids,
    chained there, shortly after they commit (migration 0022; before it a deferred
    trigger did it at commit, holding the one head row's lock). SQLite chains in place
    (``audit.append``) and leaves nothing here. The client's access report reads both.
    """

    __tablename__ = "access_log_pending"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )


class AccessLogHead(SQLModel, table=True):
    """The end of the chain: one row, locked by whoever chains (SQLite's writer; PostgreSQL's
    chainer) until it commits.

    ``base_seq``/``base_hash`` mark where the stored chain starts after a
    retention purge.
    """

    __tablename__ = "access_log_head"

    id: int = Field(primary_key=True)
    last_seq: int
    last_hash: str = Field(max_length=64)
    base_seq: int
    base_hash: str = Field(max_length=64)


class AccessLogCheckpoint(SQLModel, table=True):
    """An Ed25519 signature over the chain up to ``seq``."""

    __tablename__ = "access_log_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    seq: int
    entry_hash: str = Field(max_length=64)
    signed_at: datetime = Field(sa_column=_utc())
    public_key: str = Field(max_length=64)
    signature: str = Field(max_length=128)
