"""The self-assessment's flood control (issue 23): a bounded burst of 500 self-assessments,
each asking to be contacted, from one address, against a real ``sotesilta serve`` on SQLite,
while an instructor keeps opening her staff pages.

    python bench/self_assessment.py [--burst 500] [--connections 16]

Prints how many were accepted and refused (and how), how long the burst took, and the staff
pages' latency (p50, p99) alone and during the burst. Figures, not pass/fail: the goal ("mostly
refused without slowing the staff pages") is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import threading
import time

import httpx
from booking import PASSWORD, SECRET, SOTESILTA, free_port, wait_ready
from databases import scratch_database
from loadgen import LoadResult, http_request, run_load

STAFF_PAGES = ("/contact-requests", "/work")


def staff_load(port: int, token: str, duration: float) -> LoadResult:
    host = f"127.0.0.1:{port}"

    def page(n: int) -> bytes:
        return http_request(
            "GET", STAFF_PAGES[n % len(STAFF_PAGES)], host=host, headers={"Authorization": f"Bearer {token}"}
        )

    return asyncio.run(run_load("127.0.0.1", port, page, connections=2, duration=duration))


def burst(port: int, count: int, connections: int) -> LoadResult:
    host = f"127.0.0.1:{port}"
    body = json.dumps(
        {
            "county": "03",
            "form_key": "lansi_uusimaa_self_assessment",
            "version": 1,
            "answers": {"loneliness": "yes", "life_situation": "partly"},
            "contact": {"name": "Bench", "channel": "sms", "phone": "0401234567", "language": "fi"},
        }
    ).encode()

    def submit(n: int) -> bytes | None:
        if n >= count:
            return None
        return http_request(
            "POST",
            "/api/v1/self-assessments",
            host=host,
            body=body,
            headers={"Content-Type": "application/json"},
        )

    return asyncio.run(
        run_load("127.0.0.1", port, submit, connections=connections, duration=600, max_requests=count)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    args = parser.parse_args()
    with scratch_database("sqlite", "sotesilta-bench-intake-") as (_url, work, env):
        env["SOTESILTA_SECRET_KEY"] = SECRET
        subprocess.run([SOTESILTA, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True)
        port = free_port()
        log = open(work / "server.log", "wb")  # noqa: SIM115  (closed with the process)
        server = subprocess.Popen(
            [SOTESILTA, "serve", "--port", str(port), "--no-access-log"], env=env, stdout=log, stderr=log
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}/ready", server)
            token = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/login",
                json={"username": "espoo.instructor", "password": PASSWORD},
            ).json()["token"]
            alone = staff_load(port, token, args.baseline_seconds)
            during: dict[str, LoadResult] = {}
            stop = threading.Event()

            def keep_reading() -> None:
                # the staff pages for as long as the burst lasts (measured in slices until it ends)
                results = []
                while not stop.is_set():
                    results.append(staff_load(port, token, 0.5))
                during["staff"] = LoadResult(
                    sum(r.requests for r in results),
                    sum(r.seconds for r in results),
                    [ms for r in results for ms in r.latencies_ms],
                    {s: sum(r.statuses.get(s, 0) for r in results) for r in results for s in r.statuses},
                )

            reader = threading.Thread(target=keep_reading)
            reader.start()
            started = time.perf_counter()
            flood = burst(port, args.burst, args.connections)
            seconds = time.perf_counter() - started
            stop.set()
            reader.join()
            staff = during["staff"]
            accepted = flood.statuses.get(201, 0)
            refused = flood.statuses.get(429, 0)
            print(
                f"\n== a burst of {flood.requests} self-assessments with a contact request, one address, SQLite"
            )
            print(
                f"accepted {accepted}, refused 429 {refused} ({refused / max(flood.requests, 1):.1%}), "
                f"other {dict((k, v) for k, v in flood.statuses.items() if k not in (201, 429))}; "
                f"{seconds:.2f} s, {flood.rate:,.0f} submissions/s, p50 {flood.percentile(50):.1f} ms, "
                f"p99 {flood.percentile(99):.1f} ms"
            )
            print(f"staff pages alone:        {alone.summary()}")
            print(f"staff pages during burst: {staff.summary()}")
            slower = staff.percentile(99) / max(alone.percentile(99), 0.001)
            print(
                f"goal: mostly refused ({'OK' if refused > accepted else 'MISSED'}); staff pages' p99 "
                f"during the burst {slower:.2f}x alone (both share the 2 cores with the load generator)"
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


if __name__ == "__main__":
    main()
