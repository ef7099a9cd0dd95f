"""Is the database reachable and migrated? Used by ``/ready`` and ``sotesilta check``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from sotesilta.core.kernel import migrate


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...]
    revision: str | None
    head: str


def check_database(engine: Engine) -> Readiness:
    head = migrate.head_revision()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0]
        return Readiness(False, (f"database unreachable: {reason}",), None, head)
    if current is None:
        return Readiness(False, ("database is empty: run `sotesilta db upgrade`",), None, head)
    if current != head:
        return Readiness(
            False,
            (f"database is at revision {current}, code expects {head}: run `sotesilta db upgrade`",),
            current,
            head,
        )
    return Readiness(True, (), current, head)
