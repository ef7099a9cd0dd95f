"""Backing up and restoring the embedded SQLite database with SQLite's online backup API.

Copying the database file is not a backup while the server runs: the latest commits may
still be in the ``-wal`` file beside it. Copying a file back is no restore either: a
``-wal`` left beside it from the database it replaces is replayed onto it when it is next
opened, mixing the two. The backup API reads and writes through SQLite itself, so neither
can happen: a backup is one consistent file, and a restore replaces the live database's
pages (its WAL included) in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sotesilta.core.kernel.errors import InputInvalid

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Restored:
    pages: int
    revisions: tuple[str, ...]  # of the restored database, one per migration branch


def backup(database: Path, target: Path) -> int:
    """Write a consistent copy of ``database`` to ``target`` (which must not exist); its pages."""
    if target.exists():
        raise InputInvalid(f"{target} exists: name a new file", field="target")
    partial = target.with_name(target.name + ".partial")
    try:
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return pages


def check_backup(source: Path) -> tuple[str, ...]:
    """The migration revisions of a backup that is a whole, readable sotesilta database."""
    if not source.is_file():
        raise InputInvalid(f"{source} is not a file", field="source")
    with source.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InputInvalid(f"{source} is not an SQLite database", field="source")
    try:
        with closing(sqlite3.connect(source)) as backup_db:
            problems = [row[0] for row in backup_db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise InputInvalid(f"{source} is damaged: {'; '.join(problems[:3])}", field="source")
            revisions = tuple(row[0] for row in backup_db.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError as exc:
        raise InputInvalid(f"{source} is not a sotesilta database: {exc}", field="source") from None
    if not revisions:
        raise InputInvalid(f"{source} is not a sotesilta database: it was never migrated", field="source")
    return revisions


def restore(source: Path, database: Path, *, confirm: Callable[[], None] | None = None) -> Restored:
    """Replace ``database``'s content with the backup ``source`` (checked first), in place.
    ``confirm`` is asked between the check and the first write (it raises to stop).

    Stop the servers first: one still running would go on from what it had cached.
    """
    revisions = check_backup(source)
    if confirm is not None:
        confirm()
    with closing(sqlite3.connect(source)) as backup_db, closing(sqlite3.connect(database)) as live:
        backup_db.backup(live)
        # fold the restored pages into the file and empty the WAL: nothing of the old one remains
        live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = int(live.execute("PRAGMA page_count").fetchone()[0])
    return Restored(pages, revisions)
