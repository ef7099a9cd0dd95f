"""Figures imported from before the system: monthly counts per measure and category.

Espoo has kept its guidance statistics since 2017, long before sotesilta; its
monthly figures are imported from CSV and added to what the system counts
itself. Only aggregates are kept: no row here describes a person.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, String
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


class StatisticHistory(SQLModel, table=True):
    __tablename__ = "statistic_history"
    __table_args__ = (
        # the import checks that ``month`` is a first day; a date function in a
        # check constraint would differ between SQLite and PostgreSQL
        CheckConstraint("value >= 0", name="ck_statistic_history_value"),
    )

    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, primary_key=True)
    month: date = Field(sa_column=Column(Date(), primary_key=True))  # the first day of the month
    measure: str = Field(sa_column=Column(String(32), primary_key=True))
    category: str = Field(sa_column=Column(String(64), primary_key=True))
    value: int
    source: str = Field(max_length=200)  # the imported file's name, for the audit trail
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class StatisticRollup(SQLModel, table=True):
    """The system's own counts of a closed month, kept so reports never rescan years of visits.

    Derived data: ``sotesilta stats-rebuild`` empties it and the next report
    fills it again from the visits and bookings.
    """

    __tablename__ = "statistic_rollup"

    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, primary_key=True)
    month: date = Field(sa_column=Column(Date(), primary_key=True))
    measure: str = Field(sa_column=Column(String(32), primary_key=True))
    category: str = Field(sa_column=Column(String(64), primary_key=True))
    value: int


class StatisticRollupMonth(SQLModel, table=True):
    """A month whose rollup is complete (absent: compute it before reading)."""

    __tablename__ = "statistic_rollup_month"

    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, primary_key=True)
    month: date = Field(sa_column=Column(Date(), primary_key=True))
    refreshed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class StatisticRollupState(SQLModel, table=True):
    """Until when a municipality's changed visits and bookings have been looked for."""

    __tablename__ = "statistic_rollup_state"

    municipality_code: str = Field(foreign_key="municipality.code", max_length=3, primary_key=True)
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
