"""A scratch database for a benchmark: a SQLite file, or a PostgreSQL database made and dropped here."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_BASE = os.environ.get("SOTESILTA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_database(
    kind: str, prefix: str, *, keep: bool = False
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """Yields the database URL, a work folder and the environment a ``sotesilta`` command needs."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    admin = None
    name = f"{prefix.strip('-').replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    if kind == "sqlite":
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    else:
        admin = create_engine(
            PG_BASE.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_BASE.rsplit("/", 1)[0] + f"/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")}
    env |= {
        "SOTESILTA_DATA_DIR": str(work / "data"),
        "SOTESILTA_DATABASE_URL": url,
        "SOTESILTA_LOG_LEVEL": "WARNING",
    }
    try:
        yield url, work, env
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
