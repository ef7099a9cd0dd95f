"""Engines for the embedded default (SQLite) and production (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

SQLITE_BUSY_TIMEOUT_MS = 5000
#: connections a process keeps, and how many more it opens under load; the
#: runtime gives database work one thread per connection (runtime.DB_THREADS)
POOL_SIZE = 20
POOL_OVERFLOW = 20


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'sotesilta.sqlite3').resolve()}"


def normalise_url(url: str) -> str:
    """Accept the URL forms operators write and pick the drivers we ship.

    ``postgres://`` and ``postgresql://`` both mean psycopg 3 here.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside one writer; foreign keys are off by default
    # in SQLite; the busy timeout makes a writer wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN I")  # BEGIN IMMEDIATE: writes to come

#: set while database work runs on the event loop: there, waiting for the
#: writer lock could block the very loop that would release it
NO_WAIT_FOR_WRITER: ContextVar[bool] = ContextVar("sotesilta_no_wait_for_writer", default=False)


class WriterBusy(Exception):
    """Another writer holds SQLite; event-loop work retries in a thread instead."""


def _serialise_sqlite_writers(engine: Engine) -> None:
    """One writer at a time per process, queued on a lock rather than on SQLite.

    SQLite allows one writer; a second one waits in SQLite's busy handler,
    which polls with growing sleeps (up to 100 ms), so under load latency
    explodes. Taking a process-wide lock at a transaction's first write and
    releasing it at commit or rollback hands the database from writer to writer
    without sleeping. Other processes still meet the busy timeout.
    """
    lock = threading.Lock()
    holders: set[int] = set()

    # keyed by the SQLAlchemy connection: it outlives an invalidated DB-API one
    def before_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        key = id(conn)
        if key not in holders and statement.lstrip()[:7].upper().startswith(_WRITE_STATEMENTS):
            if NO_WAIT_FOR_WRITER.get():
                if not lock.acquire(blocking=False):
                    raise WriterBusy(statement[:40])
            else:
                lock.acquire()
            holders.add(key)

    def release(conn: Any) -> None:
        key = id(conn)
        if key in holders:
            holders.discard(key)
            lock.release()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", release)
    event.listen(engine, "rollback", release)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        _serialise_sqlite_writers(engine)
        return engine
    # the server's database threads hold one connection each; a pool smaller
    # than the concurrency makes calls queue for one
    engine = create_engine(url, echo=echo, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    _ping_after_idling(engine)
    return engine


#: a pooled connection unused for this long is checked before it is handed out
IDLE_BEFORE_PING_S = 10.0


def _ping_after_idling(engine: Engine) -> None:
    """Check a pooled connection before use only when it has sat idle a while.

    A connection that dies (the database restarted, a firewall dropped it) is
    nearly always one that has idled; pinging every checkout (pool_pre_ping)
    cost two round trips a request on PostgreSQL (the ping and the transaction
    it begins). A connection found dead here is replaced before the caller sees
    it. One that died within the last seconds surfaces as a disconnect error:
    SQLAlchemy then discards every pooled connection, and the request gets 503.
    """

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # end the transaction the ping began: hand it out idle
        except engine.dialect.loaded_dbapi.Error as exc:  # the pool replaces it with a new one
            raise DisconnectionError("a pooled connection was found closed") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)
