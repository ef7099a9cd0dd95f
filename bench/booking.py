"""Booking benchmark (issue 3): free-slot search, booking over HTTP vs a bare endpoint.

    python bench/booking.py [--database sqlite|postgresql|both] [--duration 10]

Seeds 200 stations with a year of weekly sessions (about 100,000 slots), then
prints: free-slot search p50/p99 for one municipality over the next 8 weeks;
bookings over HTTP with 32 concurrent clients (bookings/s, p50, p99) beside a
bare Litestar JSON endpoint served the same way (the ratio); and on PostgreSQL
the raw psycopg rate of the booking's own transaction at the same concurrency
(``bench/ceiling.py``: its statements, no server), the goal's yardstick, beside
that of a single-row insert. Figures, not pass/fail: the goals are printed
beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from ceiling import FORMS, ceiling_rates, sqlite_ceiling_rate
from databases import scratch_database
from loadgen import http_request, percentile, run_load

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.organisations.tables import Municipality, ServiceUnit, Station, Worker
from sotesilta.core.scheduling.tables import GuidanceSession, Slot

ROOT = Path(__file__).resolve().parents[1]
SOTESILTA = str(Path(sys.executable).parent / "sotesilta")
PASSWORD = "bench-password-1"
#: server processes on PostgreSQL, as docs/operators.md recommends: one more than the cores
#: (a process waiting on the database leaves its core to another)
SERVER_WORKERS = (os.cpu_count() or 1) + 1
SECRET = "bench-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not become ready")


def cpu_seconds(pid: int) -> float:
    """User and system CPU so far of a process, its threads and its child processes (Linux /proc)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, ticks = {pid}, 0
    while True:  # the server and every process it started (uvicorn's workers)
        grown = family | {p for p, (parent, _) in stats.items() if parent in family}
        if grown == family:
            break
        family = grown
    ticks = sum(stats[p][1] for p in family if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def measured(pid: int, load):  # type: ignore[no-untyped-def]
    """Run ``load()``; return its result and the server's CPU per request in µs."""
    before = cpu_seconds(pid)
    result = load()
    return result, (cpu_seconds(pid) - before) / max(result.requests, 1) * 1e6


def seed(url: str, *, stations: int, weeks: int) -> int:
    """Stations spread over the registered municipalities, one instructor each,
    a weekly 8-16 session of 30-minute slots (lunch 11:30-12) for ``weeks``."""
    engine = create_engine(url)
    with engine.begin() as connection:
        counties = dict(
            connection.execute(
                select(Municipality.code, Municipality.county_code).order_by(Municipality.code)
            ).all()
        )
        codes = list(counties)
        units = {}  # a unit of each county, the first made
        for county, unit in connection.execute(
            select(ServiceUnit.county_code, ServiceUnit.id).order_by(ServiceUnit.id)
        ):
            units.setdefault(county, unit)
        station_rows = [
            {
                "key": f"bench-{n:03d}",
                "municipality_code": codes[n % len(codes)],
                "county_code": counties[codes[n % len(codes)]],
                "name_fi": f"Asema {n}",
                "name_sv": f"Station {n}",
                "address": "Testikatu 1",
                "kind": "health_station",
                "booking_mode": "booked",
                "active": True,
            }
            for n in range(stations)
        ]
        connection.execute(insert(Station), station_rows)
        ids = dict(
            connection.execute(select(Station.key, Station.id).where(Station.key.like("bench-%"))).all()
        )
        connection.execute(
            insert(Worker),
            [
                {
                    "display_name": f"Ohjaaja {n}",
                    "title": "social_instructor",
                    "languages": "fi,sv",
                    "county_code": counties[codes[n % len(codes)]],
                    "unit_id": units[counties[codes[n % len(codes)]]],
                }
                for n in range(stations)
            ],
        )
        workers = list(
            connection.scalars(
                select(Worker.id).where(Worker.display_name.like("Ohjaaja %")).order_by(Worker.id)
            )
        )
        today = datetime.now(HELSINKI).date()
        slot_times = [(h, m) for h in range(8, 16) for m in (0, 30) if not (h == 11 and m == 30)]
        total = 0
        for n in range(stations):
            station_id, worker_id = ids[f"bench-{n:03d}"], workers[n]
            first = today + timedelta(days=(n % 5 - today.weekday()) % 7 + 1)
            sessions = []
            for week in range(weeks):
                day = first + timedelta(weeks=week)
                sessions.append(
                    {
                        "worker_id": worker_id,
                        "station_id": station_id,
                        "local_date": day,
                        "starts_at": _utc(day, 8, 0),
                        "ends_at": _utc(day, 16, 0),
                        "walk_in_capacity": 0,
                        "mode": "on_site",
                        "status": "scheduled",
                    }
                )
            connection.execute(insert(GuidanceSession), sessions)
            session_ids = connection.execute(
                select(GuidanceSession.id, GuidanceSession.local_date).where(
                    GuidanceSession.station_id == station_id
                )
            ).all()
            slots = [
                {
                    "session_id": sid,
                    "station_id": station_id,
                    "worker_id": worker_id,
                    "starts_at": _utc(day, h, m),
                    "ends_at": _utc(day, h, m) + timedelta(minutes=30),
                }
                for sid, day in session_ids
                for h, m in slot_times
            ]
            connection.execute(insert(Slot), slots)
            total += len(slots)
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return total


def _utc(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI).astimezone(UTC)


def search_timings(env: dict[str, str], runs: int) -> dict[str, tuple[float, float]]:
    """Free-slot search through the use case, as the API runs it."""
    code = f"""
import json, time, os
from datetime import timedelta
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.kernel.runtime import build_runtime
from sotesilta.core.accounts import service as accounts
from sotesilta.core.scheduling.service import slots
rt = build_runtime(load_settings())
with rt.uow() as uow:
    token = accounts.login(uow, username="espoo.nurse", password="{PASSWORD}", secret=rt.secret,
                           policy=rt.settings.session_policy).token
with rt.uow() as uow:
    nurse = accounts.authenticate(uow, token=token, policy=rt.settings.session_policy)
out = {{}}
for label, scope, station in (("municipality", slots.SearchScope.MUNICIPALITY, None),):
    times = []
    for _ in range({runs}):
        now = rt.clock.now()
        started = time.perf_counter()
        with rt.uow() as uow:
            found = slots.find_free_slots(uow, principal=nurse, municipality="049", scope=scope,
                until=now + timedelta(weeks=8), limit=20)
        times.append((time.perf_counter() - started) * 1000)
        assert len(found) == 20
    times.sort()
    out[label] = (times[len(times) // 2], times[int(len(times) * 0.99)])
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return {k: tuple(v) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def bookable_slots(url: str, municipality: str, limit: int) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = list(
            connection.scalars(
                select(Slot.id)
                .join(Station, Station.id == Slot.station_id)
                .where(
                    Station.municipality_code == municipality,
                    Slot.starts_at > datetime.now(UTC) + timedelta(hours=1),
                )
                .order_by(Slot.starts_at)
                .limit(limit)
            )
        )
    engine.dispose()
    return ids


def drain_pending(url: str) -> tuple[int, float]:
    """How many access-log entries wait to be chained now, and how long until none does (s)."""
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        left = int(connection.scalar(text("SELECT count(*) FROM access_log_pending")) or 0)
        while connection.scalar(text("SELECT count(*) FROM access_log_pending")):
            connection.rollback()
            time.sleep(0.01)
    engine.dispose()
    return left, time.perf_counter() - started


def raw_psycopg_rate(url: str, connections: int, duration: float) -> tuple[float, float]:
    """The same single-row booking insert, committed per transaction, in plain psycopg."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(
            "CREATE TABLE bench_raw (id serial PRIMARY KEY, slot_id int NOT NULL, status text NOT NULL, "
            "client_name text NOT NULL, booked_at timestamptz NOT NULL)"
        )
        conn.execute("CREATE UNIQUE INDEX ON bench_raw (slot_id) WHERE status = 'booked'")
    counts = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]
    deadline = time.perf_counter() + duration

    def writer(n: int) -> None:
        with psycopg.connect(dsn) as conn:
            i = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO bench_raw (slot_id, status, client_name, booked_at) "
                        "VALUES (%s, 'booked', %s, now())",
                        (n * 10_000_000 + i, "v1.k1.x" * 8),
                    )
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


def run(kind: str, args: argparse.Namespace) -> None:
    workers = args.workers if args.workers is not None else (1 if kind == "sqlite" else SERVER_WORKERS)
    with scratch_database(kind, "sotesilta-bench-", keep=args.keep) as (url, work, env):
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        env["SOTESILTA_SECRET_KEY"] = SECRET
        servers: list[subprocess.Popen[bytes]] = []
        try:
            subprocess.run(
                [SOTESILTA, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True
            )
            started = time.perf_counter()
            slots = seed(sa_url, stations=args.stations, weeks=args.weeks)
            print(
                f"\n== {kind}: seeded {args.stations} stations, {slots:,} slots in {time.perf_counter() - started:.1f} s"
            )
            timings = search_timings(env, args.search_runs)
            p50, p99 = timings["municipality"]
            print(
                f"free-slot search, one municipality, next 8 weeks: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
                f"(goal: p99 < 20 ms) {'OK' if p99 < 20 else 'MISSED'}"
            )

            port, bare_port = free_port(), free_port()
            server_log = open(work / "server.log", "wb")  # noqa: SIM115  (closed with the process)
            servers.append(
                subprocess.Popen(
                    [SOTESILTA, "serve", "--port", str(port), "--no-access-log", "--workers", str(workers)],
                    env=env,
                    stdout=server_log,
                    stderr=subprocess.STDOUT,
                )
            )
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "--app-dir",
                        str(ROOT / "bench"),
                        "bare_app:app",
                        "--port",
                        str(bare_port),
                        "--no-access-log",
                        "--log-level",
                        "warning",
                        "--workers",
                        str(workers),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_ready(f"http://127.0.0.1:{port}/ready", servers[0])
            wait_ready(f"http://127.0.0.1:{bare_port}/bare", servers[1])

            bare_request = http_request("GET", "/bare", host="127.0.0.1")
            asyncio.run(
                run_load(
                    "127.0.0.1", bare_port, lambda n: bare_request, connections=args.connections, duration=1.0
                )
            )  # warm-up
            bare, bare_cpu = measured(
                servers[1].pid,
                lambda: asyncio.run(
                    run_load(
                        "127.0.0.1",
                        bare_port,
                        lambda n: bare_request,
                        connections=args.connections,
                        duration=args.duration,
                    )
                ),
            )
            print(
                f"bare Litestar endpoint ({args.connections} clients): {bare.summary()}; "
                f"server CPU {bare_cpu:,.0f} µs a request"
            )

            token = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/login",
                json={"username": "espoo.nurse", "password": PASSWORD},
            ).json()["token"]
            slot_ids = bookable_slots(sa_url, "049", 200_000)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

            def booking_request(n: int) -> bytes | None:
                if n >= len(slot_ids):
                    return None
                body = json.dumps(
                    {
                        "slot_id": slot_ids[n],
                        "reasons": ["loneliness"],
                        "client": {"name": "Bench Client", "phone": "0401234567", "age": 40},
                    }
                ).encode()
                return http_request("POST", "/api/v1/bookings", host="127.0.0.1", body=body, headers=headers)

            booking, booking_cpu = measured(
                servers[0].pid,
                lambda: asyncio.run(
                    run_load(
                        "127.0.0.1",
                        port,
                        booking_request,
                        connections=args.connections,
                        duration=args.duration,
                        max_requests=len(slot_ids),
                    )
                ),
            )
            ratio = booking.rate / bare.rate
            drained = drain_pending(sa_url) if kind == "postgresql" else None
            print(
                f"booking over HTTP ({args.connections} clients): {booking.summary()}; "
                f"server CPU {booking_cpu:,.0f} µs a booking"
            )
            print(f"booking / bare endpoint: {ratio:.1%}")
            if drained is not None:
                print(
                    f"access-log entries pending when the load stopped: {drained[0]:,}; all chained "
                    f"{drained[1] * 1000:.0f} ms later (by the servers' chainer)"
                )
            if kind == "sqlite":
                own, own_p99, steps = sqlite_ceiling_rate(url, token, duration=args.duration)
                print(
                    f"the booking's transaction in plain sqlite3, as built (one writer): {own:,.0f} tx/s, "
                    f"p99 {own_p99:.1f} ms; booking over HTTP is {booking.rate / own:.1%} of it"
                )
                print("  its steps, mean µs: " + ", ".join(f"{k} {v:.0f}" for k, v in steps.items()))
                ok = booking.rate / own >= 0.40 and booking.percentile(99) < 50
                print(
                    f"goal (SQLite, issue 22): booking >= 40 % of its own raw transaction and p99 < 50 ms: "
                    f"{booking.rate / own:.1%}, p99 {booking.percentile(99):.1f} ms {'OK' if ok else 'MISSED'}"
                )
            else:
                # the booking transaction's own statements, with no server at all
                rates = ceiling_rates(url, token, connections=args.connections, duration=args.duration)
                raw_rate, raw_p99 = raw_psycopg_rate(url, args.connections, args.duration)
                chained, drained = rates["chainer"]
                print(
                    f"  beside the 'as built' form the chainer chained {chained:,.0f} entries; the last waited "
                    f"{drained * 1000:.0f} ms after the writers stopped"
                )
                for form in FORMS:
                    rate, p99 = rates[form]
                    print(
                        f"the booking's transaction in plain psycopg, {form} ({args.connections} connections): "
                        f"{rate:,.0f} tx/s, p99 {p99:.1f} ms"
                    )
                print(
                    f"a single-row insert per transaction in plain psycopg ({args.connections} connections): "
                    f"{raw_rate:,.0f} tx/s, p99 {raw_p99:.1f} ms"
                )
                own, _ = rates["as built"]
                print(
                    f"booking over HTTP / the booking's own transaction in plain psycopg: {booking.rate / own:.1%}"
                )
                share = booking.rate / raw_rate
                ok = share >= 0.25 and booking.percentile(99) < 60
                print(
                    f"goal (PostgreSQL, issue 22): booking over HTTP >= 25 % of the single-row insert and "
                    f"p99 < 60 ms: {share:.1%}, p99 {booking.percentile(99):.1f} ms {'OK' if ok else 'MISSED'}"
                )
        finally:
            for process in servers:
                process.send_signal(signal.SIGTERM)
            for process in servers:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load phase")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        help="server processes, the same for the bare endpoint (default: 1 on SQLite, its single "
        "writer; on PostgreSQL one more than the cores, as docs/operators.md recommends)",
    )
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--search-runs", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, server log)")
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(kind, args)


if __name__ == "__main__":
    main()
