"""The database's ceiling for a booking: its own statements in plain psycopg or sqlite3, no server.

Run by ``bench/booking.py`` after the HTTP figures. It runs the booking
transaction's own statements (the token lookup, the claim of the session, the
slot query, the booking and its reason, and the access-log entry), compiled
from the use cases' prebuilt statements, with the server's round trips, from
plain psycopg threads at the same concurrency (PostgreSQL) or one plain
sqlite3 connection (SQLite, one writer), with no HTTP, no framework and no
validation. Whatever the server does, it cannot book faster than this.

On PostgreSQL, three forms of the transaction:

- ``as built``: the slot read and the booking's insert in one statement, the
  access-log entry written unchained to ``access_log_pending``, and the chainer
  (``audit.chain_pending``) running beside the writers in a thread of its own, as
  a server process runs it (issue 22);
- ``chained in the transaction``: the entry chained by the client before it
  commits (lock the head row, insert the entry, move the head), as SQLite
  does and as PostgreSQL did before migration 0011;
- ``no log``: the booking alone, which the specification does not allow (every
  change of a client's data is logged) - shown as the floor of the floor.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine, exists, select, text

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import percentile

from sotesilta.consent import audit
from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.prepared import Prepared
from sotesilta.core.scheduling.service import bookings
from sotesilta.core.scheduling.tables import Booking, Slot

FORMS = ("as built", "chained in the transaction", "no log")


class _Statement:
    """One prebuilt statement as plain psycopg runs it: the SQL text and its parameters."""

    def __init__(self, prepared: Prepared, dialect: Any, sample: dict[str, Any]) -> None:
        self.prepared = prepared
        self.form = prepared._form(dialect, sample)
        self.sql = self.form.sql

    def params(self, values: dict[str, Any]) -> Any:
        return self.prepared._parameters(self.form, values)

    def row(self, raw: Any) -> Any:
        """A fetched row as the prepared statement returns it (values read as SQLAlchemy reads them)."""
        procs = self.form.results
        return self.form.row._make([p(v) if p else v for p, v in zip(procs, raw, strict=True)])


def _booking_values(slot: Any, now: datetime, user_id: int, n: int) -> dict[str, Any]:
    return {
        "reference": f"ceiling-{n}",
        "slot_id": slot.slot_id,
        "session_id": slot.session_id,
        "station_id": slot.station_id,
        "worker_id": slot.worker_id,
        "municipality_code": slot.municipality_code,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "status": "booked",
        "referrer": "staff",
        "booked_by": user_id,
        "booked_at": now,
        "idempotency_key": None,
        "request_digest": "0" * 64,
        "client_name": "v1.k1." + "x" * 40,  # sealed values are opaque text of this size
        "client_phone": "v1.k1." + "y" * 40,
        "client_age": 40,
        "note": None,
        "preferred_language": "fi",
        "interpreter_needed": False,
        "existing_relationship": "unknown",
        "late_cancellation": False,
        "rescheduled_from": None,
        "client_id": None,
        "sequence": 0,
        "updated_at": now,
    }


def _request_values(now: datetime, user_id: int, n: int) -> dict[str, Any]:
    """The booking's values that come from the request (the rest the statement takes from the slot)."""
    slot = SimpleNamespace(
        slot_id=0, session_id=0, station_id=0, worker_id=0, municipality_code="", starts_at=now, ends_at=now
    )
    values = _booking_values(slot, now, user_id, n)
    return {name: values[name] for name in bookings._FROM_REQUEST}


def _log_fields(seq: int, now: datetime, user_id: int, booking_id: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": now,
        "user_id": user_id,
        "role": "health_staff",
        "action": "create",
        "subject_type": "booking",
        "subject_id": booking_id,
        "client_id": None,
        "basis": "task",
        "consent_id": None,
        "reason": None,
    }


def _free_slots(engine: Any) -> list[int]:
    """Future slots with no booking: no checks, the ceiling books whatever it finds."""
    booked = exists().where(Booking.slot_id == Slot.id)
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(Slot.id).where(Slot.starts_at > datetime.now(UTC), ~booked).order_by(Slot.id)
            )
        )


def _statements(dialect: Any, token_hash: str, slot_id: int, now: datetime) -> SimpleNamespace:
    """The booking transaction's prebuilt statements, compiled for ``dialect``."""
    shape = SimpleNamespace(
        slot_id=0, session_id=0, station_id=0, worker_id=0, municipality_code="", starts_at=now, ends_at=now
    )
    fields = _log_fields(0, now, 0, 0)
    pending = {k: v for k, v in fields.items() if k != "seq"}
    return SimpleNamespace(
        lookup=_Statement(accounts._TOKEN_LOOKUP, dialect, {"token_hash": token_hash}),
        claim=_Statement(bookings._LOCK_SESSION, dialect, {"slot_id": slot_id}),
        target=_Statement(bookings._TARGET, dialect, {"slot_id": slot_id}),
        target_and_insert=_Statement(
            bookings._TARGET_AND_INSERT, dialect, {"slot_id": slot_id, **_request_values(now, 0, 0)}
        ),
        insert_booking=_Statement(bookings._INSERT_BOOKING, dialect, _booking_values(shape, now, 0, 0)),
        insert_reason=_Statement(bookings._INSERT_REASON, dialect, {"booking_id": 0, "code": "x"}),
        advance=_Statement(audit._ADVANCE, dialect, {}),
        insert_entry=_Statement(audit._INSERT_ENTRY, dialect, {**fields, "prev_hash": "", "entry_hash": ""}),
        insert_pending=_Statement(audit._INSERT_PENDING, dialect, pending),
        set_hash=_Statement(audit._SET_HASH, dialect, {"digest": ""}),
    )


def _remove_bookings(engine: Any) -> None:
    """What a ceiling run booked (its references start with "ceiling-")."""
    with engine.begin() as connection:
        mine = "SELECT id FROM booking WHERE reference LIKE 'ceiling-%'"
        connection.execute(text(f"DELETE FROM booking_reason WHERE booking_id IN ({mine})"))
        connection.execute(text("DELETE FROM booking WHERE reference LIKE 'ceiling-%'"))


def ceiling_rates(
    url: str, token: str, *, connections: int, duration: float
) -> dict[str, tuple[float, float]]:
    """Transactions/s and p99 (ms) of each form of the booking transaction, each on
    the same free slots (what one form booked is removed before the next)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    slot_ids = _free_slots(engine)
    now = datetime.now(UTC)
    token_hash = accounts.token_digest(token)
    st = _statements(engine.dialect, token_hash, slot_ids[0], now)
    lookup, claim, target, target_and_insert = st.lookup, st.claim, st.target, st.target_and_insert
    insert_booking, insert_reason, insert_pending = st.insert_booking, st.insert_reason, st.insert_pending
    advance, insert_entry, set_hash = st.advance, st.insert_entry, st.set_hash
    dsn = url.replace("postgresql+psycopg://", "postgresql://")

    def transaction(form: str) -> Callable[[Any, int, int], None]:
        # The server's round trips: the token lookup commits alone (autocommit); the
        # booking runs in pipeline mode, reading answers only where it needs them.
        def run(conn: Any, slot_id: int, n: int) -> None:
            with conn.cursor() as cur:
                conn.autocommit = True
                cur.execute(lookup.sql, lookup.params({"token_hash": token_hash}))
                user = cur.fetchone()
                conn.autocommit = False
                with conn.pipeline(), conn.transaction():
                    cur.execute(claim.sql, claim.params({"slot_id": slot_id}))
                    if form == "as built":  # the slot read and the insert: one statement
                        values = {"slot_id": slot_id, **_request_values(now, user[1], n)}
                        cur.execute(target_and_insert.sql, target_and_insert.params(values))
                        booking_id = target_and_insert.row(cur.fetchone()).booking_id
                    else:
                        cur.execute(target.sql, target.params({"slot_id": slot_id}))
                        slot = target.row(cur.fetchone())
                        values = _booking_values(slot, now, user[1], n)
                        cur.execute(insert_booking.sql, insert_booking.params(values))
                        booking_id = cur.fetchone()[0]
                    reason = {"booking_id": booking_id, "code": "loneliness"}
                    cur.execute(insert_reason.sql, insert_reason.params(reason))
                    if form == "as built":
                        fields = _log_fields(0, now, user[1], booking_id)
                        del fields["seq"]
                        cur.execute(insert_pending.sql, insert_pending.params(fields))
                    elif form == "chained in the transaction":
                        cur.execute(advance.sql, advance.params({}))
                        seq, prev = cur.fetchone()
                        fields = _log_fields(seq, now, user[1], booking_id)
                        digest = audit.entry_hash(prev, fields)
                        cur.execute(
                            insert_entry.sql,
                            insert_entry.params({**fields, "prev_hash": prev, "entry_hash": digest}),
                        )
                        cur.execute(set_hash.sql, set_hash.params({"digest": digest}))

        return run

    results: dict[str, tuple[float, float]] = {}
    for form in FORMS:
        chainer = _Chainer(engine) if form == "as built" else None
        results[form] = _drive(dsn, transaction(form), slot_ids, connections, duration)
        if chainer is not None:
            results["chainer"] = chainer.stop()
        _remove_bookings(engine)
    engine.dispose()
    return results


class _Chainer:
    """The access log's chainer beside the writers, as a server process runs it: every
    ``audit.CHAIN_INTERVAL_S``. ``stop`` returns the entries it chained and how long the
    last ones waited after the writers stopped (s)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.chained, self.running = engine, 0, True
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            time.sleep(audit.CHAIN_INTERVAL_S)
            self.chained += audit.chain_pending(self.engine)

    def stop(self) -> tuple[float, float]:
        stopped = time.perf_counter()
        with self.engine.connect() as connection:
            while connection.scalar(text("SELECT count(*) FROM access_log_pending")):
                connection.rollback()
                time.sleep(0.01)
        drained = time.perf_counter() - stopped
        self.running = False
        self.thread.join()
        return float(self.chained), drained


def _drive(
    dsn: str, run: Callable[[Any, int, int], None], slot_ids: list[int], connections: int, duration: float
) -> tuple[float, float]:
    """Run the transaction from ``connections`` threads for ``duration`` seconds, each on
    slots of its own; returns transactions/s and p99 (ms)."""
    import psycopg

    counts = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]
    deadline = time.perf_counter() + duration

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            _write(n)
        except BaseException as exc:
            errors.append(exc)

    def _write(n: int) -> None:
        mine = slot_ids[n::connections]
        with psycopg.connect(dsn) as conn:
            i = 0
            while time.perf_counter() < deadline and i < len(mine):
                started = time.perf_counter()
                run(conn, mine[i], n * 10_000_000 + i)
                latencies[n].append((time.perf_counter() - started) * 1000)
                i += 1
            counts[n] = i

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, percentile([x for xs in latencies for x in xs], 99)


#: the steps of the booking's transaction on SQLite, in order, as ``sqlite_ceiling_rate`` times them
SQLITE_STEPS = (
    "token lookup",
    "BEGIN IMMEDIATE",
    "slot query",
    "booking insert",
    "reason insert",
    "log head advanced",
    "entry hashed",
    "log entry insert",
    "log head hash",
    "COMMIT",
)


def sqlite_ceiling_rate(url: str, token: str, *, duration: float) -> tuple[float, float, dict[str, float]]:
    """The booking's transaction as built on SQLite (the entry chained in place), from
    plain sqlite3 on one connection: SQLite takes one writer at a time, so more threads
    would only queue. Transactions/s, p99 (ms) and the mean µs of each of ``SQLITE_STEPS``;
    what it booked is removed after."""
    import sqlite3

    engine = create_engine(url)
    slot_ids = _free_slots(engine)
    now = datetime.now(UTC)
    token_hash = accounts.token_digest(token)
    st = _statements(engine.dialect, token_hash, slot_ids[0], now)
    lookup, target, insert_booking, insert_reason = st.lookup, st.target, st.insert_booking, st.insert_reason
    advance, insert_entry, set_hash = st.advance, st.insert_entry, st.set_hash
    # the server's connection settings (persistence.db._sqlite_on_connect)
    conn = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    latencies: list[float] = []
    spent = [0.0] * len(SQLITE_STEPS)
    clock = time.perf_counter
    deadline = clock() + duration
    started = clock()
    for n, slot_id in enumerate(slot_ids):
        if clock() >= deadline:
            break
        marks = [clock()]
        user = conn.execute(lookup.sql, lookup.params({"token_hash": token_hash})).fetchone()
        marks.append(clock())
        conn.execute("BEGIN IMMEDIATE")
        marks.append(clock())
        slot = target.row(conn.execute(target.sql, target.params({"slot_id": slot_id})).fetchone())
        marks.append(clock())
        values = _booking_values(slot, now, user[1], n)
        booking_id = conn.execute(insert_booking.sql, insert_booking.params(values)).fetchone()[0]
        marks.append(clock())
        conn.execute(
            insert_reason.sql, insert_reason.params({"booking_id": booking_id, "code": "loneliness"})
        )
        marks.append(clock())
        seq, prev = conn.execute(advance.sql, advance.params({})).fetchone()
        marks.append(clock())
        fields = _log_fields(seq, now, user[1], booking_id)
        digest = audit.entry_hash(prev, fields)
        marks.append(clock())
        conn.execute(
            insert_entry.sql, insert_entry.params({**fields, "prev_hash": prev, "entry_hash": digest})
        )
        marks.append(clock())
        conn.execute(set_hash.sql, set_hash.params({"digest": digest}))
        marks.append(clock())
        conn.execute("COMMIT")
        marks.append(clock())
        for i in range(len(SQLITE_STEPS)):
            spent[i] += marks[i + 1] - marks[i]
        latencies.append((marks[-1] - marks[0]) * 1000)
    elapsed = clock() - started
    conn.close()
    _remove_bookings(engine)
    engine.dispose()
    steps = {name: total / len(latencies) * 1e6 for name, total in zip(SQLITE_STEPS, spent, strict=True)}
    return len(latencies) / elapsed, percentile(latencies, 99), steps
