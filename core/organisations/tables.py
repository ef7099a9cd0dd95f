"""Tables of the organisation model: counties, municipalities, units, stations and workers.

The wellbeing services county is the unit of data and access: units, workers and
client records belong to one county, and the database refuses a link across two
(composite foreign keys through ``(…, county_code)``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


class County(SQLModel, table=True):
    __tablename__ = "county"

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)


class Municipality(SQLModel, table=True):
    __tablename__ = "municipality"
    __table_args__ = (UniqueConstraint("code", "county_code", name="uq_municipality_county"),)

    code: str = Field(primary_key=True, max_length=3)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    county_code: str = Field(foreign_key="county.code", max_length=2, index=True)
    plugin: str = Field(max_length=100)  # the plugin that registered it


class ServiceUnit(SQLModel, table=True):
    """A unit of the county that employs workers, e.g. the social rehabilitation unit."""

    __tablename__ = "service_unit"
    __table_args__ = (UniqueConstraint("id", "county_code", name="uq_service_unit_county"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    county_code: str = Field(foreign_key="county.code", max_length=2, index=True)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    active: bool = True


class Station(SQLModel, table=True):
    __tablename__ = "station"
    __table_args__ = (
        UniqueConstraint("id", "county_code", name="uq_station_county"),
        # a station stands in exactly one municipality of its county
        ForeignKeyConstraint(
            ["municipality_code", "county_code"],
            ["municipality.code", "municipality.county_code"],
            name="fk_station_municipality_county",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, index=True)
    county_code: str = Field(max_length=2)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    address: str = Field(max_length=300)  # in Finnish
    address_sv: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    #: "" when the county runs it; otherwise the outsourced provider's name
    provider: str = Field(default="", max_length=200)
    kind: str = Field(max_length=32)
    booking_mode: str = Field(max_length=16)
    active: bool = True


class Worker(SQLModel, table=True):
    """A professional who receives clients (or refers them); optionally a user."""

    __tablename__ = "worker"
    __table_args__ = (
        UniqueConstraint("id", "county_code", name="uq_worker_county"),
        # the unit is one of the worker's own county
        ForeignKeyConstraint(
            ["unit_id", "county_code"],
            ["service_unit.id", "service_unit.county_code"],
            name="fk_worker_unit_county",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id"), unique=True, nullable=True),
    )
    display_name: str = Field(max_length=200)
    title: str = Field(max_length=32)
    languages: str = Field(max_length=32)  # comma-separated ISO 639-1 codes, e.g. "fi,sv"
    county_code: str = Field(foreign_key="county.code", max_length=2, index=True)
    unit_id: int = Field(foreign_key="service_unit.id", index=True)
    active: bool = True


class WorkerMunicipality(SQLModel, table=True):
    """A municipality a worker serves: always one of the worker's county."""

    __tablename__ = "worker_municipality"
    __table_args__ = (
        ForeignKeyConstraint(
            ["worker_id", "county_code"],
            ["worker.id", "worker.county_code"],
            name="fk_worker_municipality_worker",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["municipality_code", "county_code"],
            ["municipality.code", "municipality.county_code"],
            name="fk_worker_municipality_municipality",
        ),
    )

    worker_id: int = Field(primary_key=True)
    municipality_code: str = Field(primary_key=True, max_length=3, index=True)
    county_code: str = Field(max_length=2)


class WorkerStation(SQLModel, table=True):
    """A station a worker receives clients at: always one of the worker's county."""

    __tablename__ = "worker_station"
    __table_args__ = (
        ForeignKeyConstraint(
            ["worker_id", "county_code"],
            ["worker.id", "worker.county_code"],
            name="fk_worker_station_worker",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["station_id", "county_code"],
            ["station.id", "station.county_code"],
            name="fk_worker_station_station",
        ),
    )

    worker_id: int = Field(primary_key=True)
    station_id: int = Field(primary_key=True, index=True)
    county_code: str = Field(max_length=2)


class OrganisationChange(SQLModel, table=True):
    """Who changed a unit, station or worker, when, and to what (append-only)."""

    __tablename__ = "organisation_change"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=True)
    )
    county_code: str = Field(
        sa_column=Column(String(2), ForeignKey("county.code"), nullable=False, index=True)
    )
    entity: str = Field(max_length=16)  # unit, station, worker
    entity_id: int
    action: str = Field(max_length=16)  # create, update, close
    changes: str = Field(sa_column=Column(Text(), nullable=False))  # JSON: field -> new value
