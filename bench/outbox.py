"""Outbox benchmark (issue 21): messages/s written into the outbox, and delivered through SMTP
to a local aiosmtpd server by worker threads and by ``sotesilta worker`` processes.

    python bench/outbox.py [--database sqlite|postgresql] [--messages 2000] [--workers 1 4]

Each run empties nothing: it enqueues ``--messages`` new messages (sealed, in transactions of
50, as use cases would write them one by one), then lets the workers deliver until none is left
and prints the rate. The SMTP server is in this process (asyncio in a thread) and accepts every
message: the figures are sotesilta's side (claim, open, compose, SMTP round trips, mark).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from aiosmtpd.controller import Controller
from databases import scratch_database
from sqlalchemy import func, select

from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.messages.channels import smtp
from sotesilta.core.messages.public import outbox_for
from sotesilta.core.messages.service.delivery import Worker, WorkerPolicy
from sotesilta.core.messages.service.outbox import TABLE
from sotesilta.core.organisations import service as organisations

SOTESILTA = str(Path(sys.executable).parent / "sotesilta")


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def enqueue(runtime: Runtime, count: int, tag: str) -> float:
    started = time.perf_counter()
    for first in range(0, count, 50):
        with runtime.uow() as uow:
            for n in range(first, min(first + 50, count)):
                uow.outbox.enqueue(
                    uow,
                    OutgoingMessage(
                        county="03",
                        channel="email",
                        kind=MessageKind.BOOKING_REMINDER,
                        recipient=f"client{n}@example.org",
                        subject="Muistutus: aikasi sosiaaliohjaukseen",
                        body="Aikasi on huomenna tiistaina 3.3.2026 klo 9.00.\nLeppävaaran terveysasema\n"
                        * 3,
                        idempotency_key=f"bench:{tag}:{n}",
                        language="fi",
                    ),
                )
            uow.commit()
    return count / (time.perf_counter() - started)


def pending(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(
            uow.connection.execute(
                select(func.count()).select_from(TABLE).where(TABLE.c.status == "pending")
            ).scalar_one()
        )


def with_threads(runtime: Runtime, threads: int) -> None:
    workers = [
        Worker(make_uow=runtime.uow, plugins=runtime.plugins, policy=WorkerPolicy(batch=20), idle=0.01)
        for _ in range(threads)
    ]

    def run(worker: Worker) -> None:
        try:
            worker.run(once=True)
        finally:
            smtp.close()

    running = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()


def with_processes(env: dict[str, str], processes: int) -> None:
    started = [
        subprocess.Popen(
            [SOTESILTA, "worker", "--once", "--batch", "20"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]
    for process in started:
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    counter = Counter()
    port = free_port()
    server = Controller(counter, hostname="127.0.0.1", port=port)
    server.start()
    with scratch_database(args.database, "sotesilta-bench-outbox-") as (url, _work, env):
        env |= {
            "SOTESILTA_SMTP_HOST": "127.0.0.1",
            "SOTESILTA_SMTP_PORT": str(port),
            "SOTESILTA_SMTP_SECURITY": "none",
        }
        os.environ.update(env)
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = load_settings()
        runtime = Runtime(
            settings=settings, engine=engine, plugins=load_plugins(), outbox=outbox_for(settings)
        )
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
        print(f"outbox through SMTP to a local aiosmtpd, {args.database}, {args.messages} messages a run")
        for runner, label in (
            *((lambda n=n: with_threads(runtime, n), f"{n} worker thread(s)") for n in args.workers),
            *((lambda n=n: with_processes(env, n), f"{n} worker process(es)") for n in args.workers),
        ):
            rate = enqueue(runtime, args.messages, label)
            before = counter.count
            started = time.perf_counter()
            runner()
            elapsed = time.perf_counter() - started
            sent = counter.count - before
            assert pending(runtime) == 0 and sent == args.messages, (pending(runtime), sent)
            print(
                f"  enqueue {rate:8.0f} messages/s   deliver with {label:22} {sent / elapsed:8.0f} messages/s"
            )
        engine.dispose()
    server.stop()


if __name__ == "__main__":
    main()
