"""Column types shared by every table, and a table model's ``Table``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every engine.

    SQLite has no time-zone type and hands back naive values; PostgreSQL's
    ``timestamptz`` returns the session zone. Both are normalised to UTC here so
    comparisons in code never mix naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: store aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Fixed-width ISO text sorts chronologically, so indexes and range
            # queries work on SQLite too.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's ``Table``, for Core statements (typed, unlike ``Model.__table__``)."""
    table = sa_inspect(model).local_table
    assert isinstance(table, Table)
    return table
