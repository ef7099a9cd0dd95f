"""Client records, and the registry of every sealed column (for key rotation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


class ClientRecord(SQLModel, table=True):
    """The minimum about a client: sealed at rest, an identity code found only by keyed hash."""

    __tablename__ = "client_record"
    __table_args__ = (UniqueConstraint("municipality_code", "identity_index", name="uq_client_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    name: str = Field(sa_column=Column(Text(), nullable=False))
    identity_code: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    identity_index: str | None = Field(default=None, max_length=64)  # HMAC-SHA256, hex
    temporary_identity: bool = False
    phone: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    language: str = Field(default="fi", max_length=2)
    created_by: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
