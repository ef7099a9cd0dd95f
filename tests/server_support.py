"""Helpers of the tests that start real server processes."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

SOTESILTA = str(Path(sys.executable).parent / "sotesilta")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path | None = None) -> None:
    """Until the server answers /ready, or has exited (its log then tells why).

    No deadline of its own: a busy machine may take long to start a server, and a
    server that hangs is stopped by the test run's timeout (pytest-timeout), with a
    traceback."""
    while True:
        if process.poll() is not None:
            told = f": {log.read_text(errors='replace')}" if log is not None else ""
            raise AssertionError(f"the server exited with {process.returncode}{told}")
        try:
            if httpx.get(f"{base}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@contextmanager
def serving(env: Mapping[str, str], log: Path, *options: str, port: int | None = None) -> Iterator[str]:
    """`sotesilta serve` on 127.0.0.1 with ``env``, its output in ``log``: its base URL once it
    answers /ready; stopped with SIGTERM (killed if it has not exited in 20 s) afterwards."""
    port = free_port() if port is None else port
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SOTESILTA, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(base, process, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
