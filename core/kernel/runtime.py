"""The running system's parts, assembled once from settings.

The CLI and the web app both build a ``Runtime``; tests build one around a
test database and a fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any, TypeVar

from sqlalchemy import Engine

from sotesilta.core.kernel.cache import ExpiringCache
from sotesilta.core.kernel.clock import Clock, SystemClock
from sotesilta.core.kernel.db import NO_WAIT_FOR_WRITER, POOL_OVERFLOW, POOL_SIZE, WriterBusy, make_engine
from sotesilta.core.kernel.outbox import Outbox
from sotesilta.core.kernel.plugins.manager import Plugins, load_plugins
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.settings import Settings
from sotesilta.core.kernel.uow import LentConnection, UnitOfWork

T = TypeVar("T")
#: one per pooled connection (see persistence.db.make_engine)
DB_THREADS = POOL_SIZE + POOL_OVERFLOW


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    plugins: Plugins
    clock: Clock = field(default_factory=SystemClock)
    #: the messages feature's outbox (bound by the composition: the kernel knows no feature)
    outbox: Outbox | None = None

    def uow(
        self, *, autocommit: bool = False, pipelined: bool = False, now: datetime | None = None
    ) -> UnitOfWork:
        """A unit of work with the runtime's plugins, sealer and clock bound to it; ``now``
        fixes its moment (the demo's history, a test's past) instead of the clock."""
        return UnitOfWork(
            self.engine,
            plugins=self.plugins,
            sealer=self.sealer,
            clock=self.clock,
            now=now,
            outbox=self.outbox,
            secret=self._read_secret,
            autocommit=autocommit,
            pipelined=pipelined,
            lent=self._loop_connection if self._runs_inline() else None,
        )

    def _runs_inline(self) -> bool:
        """Whether this unit runs inline on the event loop (SQLite) with the loop's kept
        connection free to lend: use cases there run one at a time (``run_db``)."""
        return self.db_inline and NO_WAIT_FOR_WRITER.get() and self._loop_connection.available()

    @cached_property
    def _loop_connection(self) -> LentConnection:
        return LentConnection(self.engine)

    @property
    def db_inline(self) -> bool:
        """Run database work on the event loop rather than in a worker thread.

        Embedded SQLite answers in microseconds and takes one writer at a
        time: handing each call to a thread only adds GIL contention and
        queueing (measured: +70 % bookings/s inline). PostgreSQL calls wait on
        the network and on row locks, so they go to threads.
        """
        return self.engine.dialect.name == "sqlite"

    async def run_db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a use case inline (SQLite) or in a worker thread (PostgreSQL).

        Inline work never waits for SQLite's writer lock: if a thread holds
        it, the call is rolled back and run again in a thread, where waiting
        is harmless. (A use case is one transaction, so running it again after
        a rollback is safe.)
        """
        if self.db_inline:
            token = NO_WAIT_FOR_WRITER.set(True)
            try:
                return fn(*args, **kwargs)
            except WriterBusy:
                for value in (*args, *kwargs.values()):
                    if isinstance(value, UnitOfWork):
                        value.rollback()
            finally:
                NO_WAIT_FOR_WRITER.reset(token)
        call = partial(copy_context().run, fn, *args, **kwargs)  # the caller's context variables
        return await asyncio.get_running_loop().run_in_executor(self._db_threads, call)

    @cached_property
    def _db_threads(self) -> ThreadPoolExecutor:
        """Threads for database work (PostgreSQL). The event loop's own executor hand-off
        costs a third of anyio's thread hand-off under load (23 against 56 µs of CPU,
        measured with 32 concurrent calls), and a booking makes two."""
        return ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="sotesilta-db")

    async def run_in_uow(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run the use case ``fn(uow, **kwargs)`` in a unit of work of its own, opened
        and closed where it runs: one hop to a thread (PostgreSQL) instead of a
        request-scoped dependency's, and a retried call starts afresh."""

        def call() -> T:
            with self.uow(pipelined=True) as uow:
                return fn(uow, **kwargs)

        return await self.run_db(call)

    @cached_property
    def secret(self) -> bytes:
        return self.settings.secret()

    def _read_secret(self) -> bytes:
        return self.secret

    @cached_property
    def profiles(self) -> ExpiringCache[int, Any]:
        """Who signed-in users are, for a few seconds (see accounts.service.ProfileCache)."""
        return ExpiringCache()

    @cached_property
    def refused_senders(self) -> ExpiringCache[str, Any]:
        """Senders of public submissions refused lately, and until when (see intake's
        ``submit_self_assessment``): their next tries are refused without the database."""
        return ExpiringCache(ttl=timedelta(hours=1))

    @cached_property
    def index_key(self) -> bytes:
        return self.settings.identity_index_key()

    @cached_property
    def sealer(self) -> Sealer:
        return Sealer(self.settings.keyring())


def build_runtime(
    settings: Settings,
    *,
    plugins: Plugins | None = None,
    clock: Clock | None = None,
    outbox: Outbox | None = None,
) -> Runtime:
    return Runtime(
        settings=settings,
        engine=make_engine(settings.resolved_database_url),
        plugins=plugins or load_plugins(blocked=settings.blocked_plugins),
        clock=clock or SystemClock(),
        outbox=outbox,
    )
