"""Insert-or-update by natural key, atomically, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def upsert(
    session: Session,
    model: Any,
    values: Mapping[str, Any],
    key: Sequence[str],
    *,
    update: Sequence[str] | None = None,
) -> None:
    """One statement, so two instances starting together cannot both insert.

    An existing row gets the ``update`` columns (by default every non-key one;
    ``()`` leaves it as it is).
    """
    make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = make(model).values(**values)
    changes = {k: v for k, v in values.items() if k not in key and (update is None or k in update)}
    session.execute(
        statement.on_conflict_do_update(index_elements=list(key), set_=changes)
        if changes
        else statement.on_conflict_do_nothing(index_elements=list(key))
    )
