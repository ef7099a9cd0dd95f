"""Staff pages under load, and the statistics page with its charts (issue 22, item 3).

    python bench/pages.py [--requests 200] [--rounds 30]

Loads the demo into a scratch SQLite database (as `sotesilta demo` does), serves it with one
`sotesilta serve` process, and signs in eight sessions of each demo user the pages need.
Then, for every staff page without a path parameter, 8 connections (each request signed in as
one of the eight sessions) ask for the page ``--requests`` times: p50 and p99 per page, against
the goal p99 < 100 ms, beside the page's p50 with one request at a time (what the page costs
when the machine has no other work). One chart as SVG and as PNG, drawn and kept. Last, the manager's statistics page as a browser loads it: the page, then
every chart it shows at once (six connections, as browsers open per host); the time until the
last chart has arrived, the first round (nothing drawn before) and the p50/p99 of ``--rounds``,
against the goal < 300 ms. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from booking import free_port, wait_ready
from loadgen import http_request, percentile, run_load

SOTESILTA = str(Path(sys.executable).parent / "sotesilta")
PASSWORD = "bench-password-1"
SESSIONS = 8
PAGE_GOAL_MS = 100.0
STATISTICS_GOAL_MS = 300.0

#: the staff pages without a path parameter, each as the demo user whose work it is
PAGES = {
    "espoo.nurse": ["/book", "/bookings", "/orphaned", "/consultations", "/consultations/new", "/consents"],
    "espoo.instructor": ["/work", "/work/week", "/work/outcomes", "/work/feeds"],
    "ph.guidance": ["/rehab", "/rehab/groups", "/rehab/groups/new", "/rehab/periods/new"],
    "espoo.manager": ["/statistics"],
    "espoo.admin": [
        "/admin",
        "/admin/sessions",
        "/admin/absences",
        "/admin/users",
        "/admin/units/new",
        "/admin/stations/new",
        "/admin/workers/new",
    ],
}
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CHART = re.compile(r'<img src="([^"]+/charts/[^"]+)"')


def sign_in(base: str, username: str) -> str:
    """A session cookie header for ``username``, through the sign-in page."""
    with httpx.Client(base_url=base) as client:
        token = CSRF.search(client.get("/login").text)
        assert token, "no form token on /login"
        answer = client.post(
            "/login",
            data={
                "username": username,
                "password": PASSWORD,
                "_csrf_token": token.group(1),
                "next_path": "/",
            },
        )
        assert answer.status_code in (200, 303), answer.text
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def page_load(
    host: str, port: int, path: str, cookies: list[str], requests: int, connections: int
) -> tuple[float, float, dict[int, int]]:
    def request(n: int) -> bytes:
        return http_request("GET", path, host=host, headers={"Cookie": cookies[n % len(cookies)]})

    result = asyncio.run(
        run_load(host, port, request, connections=connections, duration=120, max_requests=requests)
    )
    return result.percentile(50), result.percentile(99), result.statuses


def chart_timings(base: str, cookie: str) -> None:
    """One chart of the page as SVG (written directly) and as PNG (matplotlib: first drawn, then kept)."""
    with httpx.Client(base_url=base, headers={"Cookie": cookie}) as client:
        src = html.unescape(CHART.findall(client.get("/statistics").text)[0])
        timings = {}
        for label, url in (
            ("SVG", src),
            ("PNG, first", src.replace("format=svg", "format=png")),
            ("PNG, again", src.replace("format=svg", "format=png")),
        ):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            timings[label] = (time.perf_counter() - started) * 1000
    print("one chart over HTTP: " + ", ".join(f"{k} {v:.1f} ms" for k, v in timings.items()))


async def statistics_round(base: str, cookie: str) -> float:
    """Milliseconds from asking for the statistics page until its last chart has arrived."""
    limits = httpx.Limits(max_connections=6)
    async with httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, limits=limits) as client:
        started = time.perf_counter()
        page = await client.get("/statistics")
        assert page.status_code == 200, page.status_code
        charts = [html.unescape(src) for src in CHART.findall(page.text)]
        assert charts, "the statistics page shows no chart"
        answers = await asyncio.gather(*(client.get(src) for src in charts))
        elapsed = (time.perf_counter() - started) * 1000
    assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--rounds", type=int, default=30, help="statistics page loads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = {"SOTESILTA_DATA_DIR": scratch, "PATH": str(Path(sys.executable).parent)}
        subprocess.run([SOTESILTA, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True)
        port = free_port()
        host, base = "127.0.0.1", f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [SOTESILTA, "serve", "--port", str(port), "--no-access-log"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(f"{base}/ready", server)
            cookies = {user: [sign_in(base, user) for _ in range(SESSIONS)] for user in PAGES}
            print(
                f"Staff pages, {SESSIONS} signed-in sessions at once, {args.requests} requests each (SQLite)"
            )
            print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            print(
                f"{'page':<24}{'alone p50':>10}{'p50 ms':>9}{'p99 ms':>9}  goal p99 < {PAGE_GOAL_MS:.0f} ms"
            )
            worst = 0.0
            for user, paths in PAGES.items():
                for path in paths:
                    alone, _, _ = page_load(host, port, path, cookies[user], 30, 1)
                    p50, p99, statuses = page_load(host, port, path, cookies[user], args.requests, SESSIONS)
                    worst = max(worst, p99)
                    flag = "" if set(statuses) == {200} else f"  statuses {statuses}"
                    verdict = "met" if p99 < PAGE_GOAL_MS else "NOT met"
                    print(f"{path:<24}{alone:>10.1f}{p50:>9.1f}{p99:>9.1f}  {verdict}{flag}")
            print(f"worst page p99: {worst:.1f} ms ({worst / PAGE_GOAL_MS:.2f} of the goal)")
            manager = cookies["espoo.manager"][0]
            chart_timings(base, manager)
            first = asyncio.run(statistics_round(base, manager))
            rounds = [asyncio.run(statistics_round(base, manager)) for _ in range(args.rounds)]
            print(
                f"statistics page with its charts: first {first:.0f} ms, then p50 {percentile(rounds, 50):.0f} ms, "
                f"p99 {percentile(rounds, 99):.0f} ms over {args.rounds} loads "
                f"(goal < {STATISTICS_GOAL_MS:.0f} ms: {'met' if max(first, *rounds) < STATISTICS_GOAL_MS else 'NOT met'})"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
