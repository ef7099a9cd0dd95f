"""``sotesilta serve`` as a real process: ready, login over HTTP, clean SIGTERM exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import httpx
import pytest
from server_support import SOTESILTA, free_port, wait_ready
from support import PASSWORD, TEST_SECRET


@pytest.fixture
def server_env(tmp_path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")}
    env |= {"SOTESILTA_DATA_DIR": str(tmp_path / "data"), "SOTESILTA_SECRET_KEY": TEST_SECRET}
    subprocess.run([SOTESILTA, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            SOTESILTA,
            "users",
            "add",
            "nurse.one",
            "--display-name",
            "Nurse One",
            "--role",
            "health_staff",
            "--municipality",
            "049",
            "--password-stdin",
        ],
        env=env,
        check=True,
        capture_output=True,
        input=f"{PASSWORD}\n".encode(),
    )
    return env


def head_answer(port: int, header: str) -> str:
    """The status line of a raw request to /health with ``header``."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}\r\n\r\n".encode())
        return raw.recv(200).decode("latin-1")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_logs_in_and_stops_cleanly_on_sigterm(server_env, workers):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [SOTESILTA, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=server_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(base, process)
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        with httpx.Client(base_url=base, timeout=5.0) as http:
            login = http.post("/api/v1/auth/login", json={"username": "nurse.one", "password": PASSWORD})
            assert login.status_code == 200
            me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
            assert me.status_code == 200 and me.json()["username"] == "nurse.one"
            assert http.get("/api/schema/openapi.json").json()["info"]["title"] == "sotesilta API"
            # a head past its limits is refused before it can grow: 431 and the connection closed
            assert head_answer(port, "X-Big: " + "a" * 100_000).startswith("HTTP/1.1 431")
            assert head_answer(port, "".join(f"X-{i}: 1\r\n" for i in range(200)).rstrip()).startswith(
                "HTTP/1.1 431"
            )
            assert head_answer(port, "Cookie: " + "c" * 4000).startswith("HTTP/1.1 200")
            # secrets in a path (a feed's token, a client's link) never reach the access log
            for secret in ("/feeds/FEEDSECRETxyz123.ics", "/c/LINKSECRET.abc", "/feedback/FORMSECRET"):
                assert http.get(secret).status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    assert '"GET /api/v1/me HTTP/1.1" 200' in output  # the access log is on
    assert not any(secret in output for secret in ("FEEDSECRET", "LINKSECRET", "FORMSECRET")), output
    assert "/feeds/[redacted]" in output and "/c/[redacted]" in output


@pytest.mark.slow
def test_a_burst_of_concurrent_requests_is_served_without_starving_the_pool(server_env):
    # Regression: sync-generator cleanup queued behind sync handlers in one thread
    # pool deadlocked on the connection pool until its 30 s timeout.
    import asyncio

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [SOTESILTA, "serve", "--port", str(port), "--no-access-log"],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def burst(token: str) -> list[int]:
        async with httpx.AsyncClient(
            base_url=base, timeout=10.0, limits=httpx.Limits(max_connections=64)
        ) as http:
            responses = await asyncio.gather(
                *(http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}) for _ in range(64))
            )
        return [r.status_code for r in responses]

    try:
        wait_ready(base, process)
        token = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "nurse.one", "password": PASSWORD}
        ).json()
        for _ in range(3):
            assert set(asyncio.run(burst(token["token"]))) == {200}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
