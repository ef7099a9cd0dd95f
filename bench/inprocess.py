"""CPU per booking, in process: the ASGI app called directly, no sockets, no load generator.

    python bench/inprocess.py [--database sqlite|postgresql] [--bookings 3000] [--concurrency 1]
                              [--profile cprofile|pyinstrument]

Wall-clock rates on a shared 2-core machine are noisy; the process's CPU time
per request is not, so this is the figure to steer by. It seeds a smaller
version of ``bench/booking.py``'s data (the same demo and slot layout), builds
the app as a server process does, and sends ``createBooking`` requests
straight into it: sequentially by default, or from ``--concurrency`` tasks.
The bare Litestar endpoint of ``bench/bare_app.py`` is measured the same way,
as the yardstick.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from booking import PASSWORD, SECRET, SOTESILTA, bookable_slots, seed
from databases import scratch_database


class Asgi:
    """Just enough of an ASGI server to call an app in process."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        raw_headers = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def lifespan(self, event: str) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await queue.put({"type": f"lifespan.{event}"})

        async def send(message: dict[str, Any]) -> None:
            if not done.done():
                done.set_result(None)

        task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, send)
        )
        await done
        self._lifespan_task = task


def _profile(kind: str | None):  # type: ignore[no-untyped-def]
    if kind == "cprofile":
        profiler = cProfile.Profile()
        return (
            profiler.enable,
            lambda: (
                pstats.Stats(profiler)
                .sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
                .print_stats(int(os.environ.get("BENCH_TOP", "45")))
            ),
        )
    if kind == "pyinstrument":
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0002, async_mode="disabled")
        return prof.start, lambda: (prof.stop(), print(prof.output_text(show_all=False)))
    return (lambda: None), (lambda: None)


async def measure(args: argparse.Namespace, slot_ids: list[int]) -> None:
    from bare_app import app as bare_app

    from sotesilta.core.app import create_app

    app = Asgi(create_app())
    await app.lifespan("startup")
    bare = Asgi(bare_app)
    await bare.lifespan("startup")
    _, body = await app.request(
        "POST",
        "/api/v1/auth/login",
        json.dumps({"username": "espoo.nurse", "password": PASSWORD}).encode(),
        {"content-type": "application/json"},
    )
    token = json.loads(body)["token"]
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def booking_body(slot_id: int) -> bytes:
        return json.dumps(
            {
                "slot_id": slot_id,
                "reasons": ["loneliness"],
                "client": {"name": "Bench Client", "phone": "0401234567", "age": 40},
            }
        ).encode()

    async def run(label: str, count: int, call) -> None:  # type: ignore[no-untyped-def]
        statuses: dict[int, int] = {}
        queue = iter(range(count))
        latencies: list[float] = []

        async def worker() -> None:
            for n in queue:
                started = time.perf_counter()
                status, _ = await call(n)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        latencies.sort()
        print(
            f"{label}: {count} requests, {cpu / count * 1e6:,.0f} µs CPU each "
            f"({count / cpu:,.0f}/s of CPU), wall {count / wall:,.0f}/s, "
            f"p50 {latencies[len(latencies) // 2] * 1e3:.2f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms, statuses {statuses}"
        )

    await run("bare endpoint (warm-up)", 2000, lambda n: bare.request("GET", "/bare"))
    await run("bare endpoint", 5000, lambda n: bare.request("GET", "/bare"))
    warm = args.bookings // 5
    await run(
        "createBooking (warm-up)",
        warm,
        lambda n: app.request("POST", "/api/v1/bookings", booking_body(slot_ids[n]), headers),
    )
    start, stop = _profile(args.profile)
    start()
    await run(
        "createBooking",
        args.bookings,
        lambda n: app.request("POST", "/api/v1/bookings", booking_body(slot_ids[warm + n]), headers),
    )
    stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--bookings", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--profile", choices=["cprofile", "pyinstrument"])
    args = parser.parse_args()

    with scratch_database(args.database, "sotesilta-inprocess-") as (url, _work, env):
        env["SOTESILTA_SECRET_KEY"] = SECRET
        for key in [k for k in os.environ if k.startswith("SOTESILTA_")]:
            del os.environ[key]
        os.environ.update(env)
        subprocess.run([SOTESILTA, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True)
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        seed(sa_url, stations=args.stations, weeks=args.weeks)
        slot_ids = bookable_slots(sa_url, "049", args.bookings * 2)
        asyncio.run(measure(args, slot_ids))


if __name__ == "__main__":
    main()
