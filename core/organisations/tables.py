"""Tables of the organisation model: counties, municipalities, stations and workers."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel


class County(SQLModel, table=True):
    __tablename__ = "county"

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)


class Municipality(SQLModel, table=True):
    __tablename__ = "municipality"

    code: str = Field(primary_key=True, max_length=3)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    county_code: str = Field(foreign_key="county.code", max_length=2, index=True)
    plugin: str = Field(max_length=100)  # the plugin that registered it


class Station(SQLModel, table=True):
    __tablename__ = "station"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, index=True)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    address: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    booking_mode: str = Field(max_length=16)
    active: bool = True


class Worker(SQLModel, table=True):
    """A professional who receives clients (or refers them); optionally a user."""

    __tablename__ = "worker"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id"), unique=True, nullable=True),
    )
    display_name: str = Field(max_length=200)
    title: str = Field(max_length=32)
    languages: str = Field(max_length=32)  # comma-separated ISO 639-1 codes, e.g. "fi,sv"
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, index=True)
