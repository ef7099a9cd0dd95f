"""Client records, and the registry of every sealed column (for key rotation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


class ClientRecord(SQLModel, table=True):
    """The minimum about a client: sealed at rest, an identity code found only by keyed hash."""

    __tablename__ = "client_record"
    __table_args__ = (
        # one person is one record per county (the controller of the data)
        UniqueConstraint("county_code", "identity_index", name="uq_client_county_identity"),
        # the home municipality is one of the record's county: a record never spans two
        ForeignKeyConstraint(
            ["municipality_code", "county_code"],
            ["municipality.code", "municipality.county_code"],
            name="fk_client_municipality_county",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", max_length=2)
    #: the municipality the client lives in (where they were registered)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    name: str = Field(sa_column=Column(Text(), nullable=False))
    identity_code: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    identity_index: str | None = Field(default=None, max_length=64)  # HMAC-SHA256, hex
    temporary_identity: bool = False
    phone: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    language: str = Field(default="fi", max_length=2)
    created_by: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ClientAlias(SQLModel, table=True):
    """A record number merged into another when records moved to the county (migration 0012).

    The access log is never rewritten (its entries are hash-chained), so a client's
    access report also reads the entries written under each merged number.
    """

    __tablename__ = "client_alias"

    old_id: int = Field(primary_key=True)
    client_id: int = Field(
        sa_column=Column(Integer, ForeignKey("client_record.id"), nullable=False, index=True)
    )


class ClientAccessGrant(SQLModel, table=True):
    """A reason a user stated to open a client's data without a client relationship.

    It holds for a while (``until``), so that the pages following a search need
    not ask again; each use under it is logged with the reason and flagged in
    the client's access report. The free text is sealed: it may say why the
    client needs care.
    """

    __tablename__ = "client_access_grant"
    __table_args__ = (Index("ix_client_access_grant_user_client", "user_id", "client_id", "until"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=Column(Integer, ForeignKey("client_record.id"), nullable=False))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False))
    code: str = Field(max_length=40)
    detail: str = Field(sa_column=Column(Text(), nullable=False))
    stated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
