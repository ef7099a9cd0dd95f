"""Unit of work: one transaction per use case, on one connection, with what the use case
may use bound to it (the plugins, the sealer, the moment it runs)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sotesilta.core.kernel.clock import Clock
    from sotesilta.core.kernel.outbox import Outbox
    from sotesilta.core.kernel.plugins.manager import Plugins
    from sotesilta.core.kernel.sealing import Sealer

# expire_on_commit=False: use cases return objects after committing
_SESSIONS = sessionmaker(expire_on_commit=False)


class LentConnection:
    """One connection kept open and lent to one unit of work at a time.

    On SQLite the server runs use cases inline on its event loop, one after another
    (``Runtime.run_db``); taking a connection from the pool and returning it cost about
    25 µs each time, twice a booking (authentication and the booking), measured. The
    loop's units borrow this one instead. A unit that asks while it is lent (a unit
    opened inside another) gets one from the pool as before, so units never share a
    transaction.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._lent = False
        self._lock = threading.Lock()  # a test may run two event loops on one runtime

    def available(self) -> bool:
        return not self._lent

    def take(self) -> Connection | None:
        """The kept connection, or None while it is lent."""
        with self._lock:
            if self._lent:
                return None
            self._lent = True
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            self._connection = self._engine.connect()
        return self._connection

    def give_back(self, connection: Connection) -> None:
        if connection.in_transaction():  # never lent on with a transaction open
            connection.rollback()
        self._lent = False


class UnitOfWork:
    """Opens a connection; commits only when told to, rolls back otherwise.

    Use cases call ``commit()`` once at their end; anything raised before that
    leaves the database untouched.

    The connection is taken from the pool at first use, and the ORM session is
    made on it only when a use case asks for ``session``: the hottest paths
    (a booking, the access log) run prebuilt statements on ``connection`` and
    never pay for a session's set-up, flush and tear-down (about 0.1 ms a use
    case, measured). Whichever is used, there is one connection and one
    transaction, committed or rolled back as a whole.

    The runtime binds the use case's dependencies when it makes the unit
    (``Runtime.uow``), so no call passes them by hand: ``plugins``, ``sealer``
    (personal data at rest), ``outbox`` (the messages the change causes) and
    ``now``, the moment the use case runs, read from the clock once, at its
    first use, so every rule of one use case sees the same time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        plugins: Plugins | None = None,
        sealer: Sealer | None = None,
        clock: Clock | None = None,
        now: datetime | None = None,
        outbox: Outbox | None = None,
        secret: Callable[[], bytes] | None = None,
        autocommit: bool = False,
        pipelined: bool = False,
        lent: LentConnection | None = None,
    ) -> None:
        self._engine = engine
        # a connection kept open between units (SQLite's event loop, see LentConnection):
        # used instead of one from the pool, and handed back instead of closed
        self._lent = lent
        self._plugins = plugins
        self._sealer = sealer
        self._clock = clock
        self._now = now
        self._outbox = outbox
        self._secret = secret
        # PostgreSQL's pipeline mode (psycopg): statements are sent without waiting
        # for their answers until one is read; a statement whose result nobody reads
        # (an insert, a lock) travels with the next, and the last ones with COMMIT.
        # For prebuilt statements on the connection only: the ORM session reads
        # row counts at once, so asking for it leaves pipeline mode first.
        self._pipelined = pipelined and engine.dialect.name == "postgresql"
        self._pipeline: AbstractContextManager[Any] | None = None
        # On PostgreSQL each statement then commits alone: no BEGIN and no ROLLBACK
        # round trips for work that is a lookup and at most one write (signing a
        # request in). SQLite keeps its transaction: it costs no round trip there,
        # and the process's writer lock is handed on at commit.
        self._autocommit = autocommit and engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._open = False

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            raise RuntimeError("this unit of work has no plugins bound (make it with Runtime.uow)")
        return self._plugins

    @property
    def sealer(self) -> Sealer:
        if self._sealer is None:
            raise RuntimeError("this unit of work has no sealer bound (make it with Runtime.uow)")
        return self._sealer

    @property
    def outbox(self) -> Outbox:
        """Where the use case writes the messages its change causes, in its own transaction."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox bound (make it with Runtime.uow)")
        return self._outbox

    @property
    def secret(self) -> bytes:
        """The server secret, for keyed digests that must match what the web layer derives
        (a calendar feed's pseudonyms); read from the runtime only when asked for."""
        if self._secret is None:
            raise RuntimeError("this unit of work has no secret bound (make it with Runtime.uow)")
        return self._secret()

    @property
    def now(self) -> datetime:
        """The moment of this use case: the clock read once, at first use (or the time given)."""
        if self._now is None:
            if self._clock is None:
                raise RuntimeError("this unit of work has no clock bound (make it with Runtime.uow)")
            self._now = self._clock.now()
        return self._now

    @property
    def connection(self) -> Connection:
        """The unit's connection, in its transaction (begun at the first statement)."""
        if not self._open:
            raise RuntimeError("unit of work used outside its 'with' block")
        if self._connection is None:
            kept = self._lent.take() if self._lent is not None else None
            if kept is None:
                self._lent = None  # lent to another unit: this one takes its own
            self._connection = kept or self._engine.connect()
            if self._autocommit:
                self._connection.execution_options(isolation_level="AUTOCOMMIT")
            if self._pipelined:
                # psycopg's connection: DB-API's type knows no pipeline
                self._pipeline = self._connection.connection.dbapi_connection.pipeline()  # type: ignore[union-attr]  # psycopg
                self._pipeline.__enter__()
        return self._connection

    def _leave_pipeline(self) -> None:
        """Send what is queued and wait for it (raising its errors), then work one by one."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    @property
    def session(self) -> Session:
        """An ORM session on the unit's connection; its commit and rollback are the unit's."""
        if self._session is None:
            self.connection  # noqa: B018  (opened first, so that the pipeline is left below)
            self._leave_pipeline()
            # control_fully: the session commits and rolls back the connection's
            # transaction, even one begun before it was made
            self._session = _SESSIONS(bind=self.connection, join_transaction_mode="control_fully")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            try:
                self._leave_pipeline()
                if self._session is not None:
                    self._session.close()
            finally:
                if self._lent is not None and self._connection is not None:
                    self._lent.give_back(self._connection)  # its transaction ended above
                elif self._connection is not None:
                    self._connection.close()
                self._session = self._connection = None
                self._open = False

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()  # flushes, then commits the connection's transaction
        # statements run on the connection after (or without) the session's own transaction
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    def add_unique(self, record: object, refusal: Exception) -> None:
        """Add and flush ``record``; when a unique or check constraint refuses it, raise ``refusal``.

        The database decides races (two requests at once both pass any check in
        code); the caller names what the refusal means.
        """
        self.session.add(record)
        self.flush_unique(refusal)

    def flush_unique(self, refusal: Exception) -> None:
        """Flush what is pending; when a unique or check constraint refuses it, raise ``refusal``."""
        try:
            self.session.flush()
        except IntegrityError:
            raise refusal from None
