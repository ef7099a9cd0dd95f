"""Work every server process repeats in the background, in a thread of its own.

A plugin registers a task (``sotesilta_register_background_tasks``): a name,
a function of the engine, and how many seconds to wait between runs. The
access log's chainer is one: on PostgreSQL it chains the entries use cases
wrote unchained. Each task runs in its own daemon thread, so the event loop
never waits for it; a run that fails is logged and the next one is tried on
time. Only server processes run them (``core.app``): a test's in-process app
or a CLI command does not start threads behind its caller's back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

log = logging.getLogger("sotesilta.background")
#: how long stopping waits for a task's run to end (a chainer's batch is one transaction)
STOP_WAIT_S = 5.0


@dataclass(frozen=True)
class BackgroundTask:
    name: str
    run: Callable[[Engine], object]
    every: float  # seconds between the end of one run and the start of the next

    def __post_init__(self) -> None:
        if not self.name or self.every <= 0:
            raise ValueError(f"a background task needs a name and a positive interval: {self!r}")


class BackgroundTasks:
    """The tasks' threads of one process: started with the server, stopped with it."""

    def __init__(self, engine: Engine, tasks: list[BackgroundTask]) -> None:
        self._engine = engine
        self._tasks = tasks
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stopped.clear()
        for task in self._tasks:
            thread = threading.Thread(
                target=self._repeat, args=(task,), name=f"sotesilta-{task.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        # no parameters: Litestar hands its shutdown hooks the app when they take one
        self._stopped.set()
        for thread in self._threads:
            thread.join(STOP_WAIT_S)
        self._threads.clear()

    def _repeat(self, task: BackgroundTask) -> None:
        while not self._stopped.wait(task.every):
            try:
                task.run(self._engine)
            except Exception:
                log.exception("background task failed", extra={"task": task.name})
