"""Real ``sotesilta worker`` processes against a real SMTP server: a worker SIGKILLed
mid-batch loses nothing, and the restarted workers (two at once) send again only what the
killed one had in hand, under the same Message-ID, for the receiver to drop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

import pytest
from server_support import SOTESILTA
from smtp_support import Recorder, start_server
from sqlalchemy import select
from support import TEST_SECRET

from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.messages.domain import message_id
from sotesilta.core.messages.service.outbox import TABLE

MESSAGES = 60
BATCH = 10


def _statuses(runtime) -> list[tuple[int, str, str | None, str]]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        rows = uow.connection.execute(
            select(TABLE.c.id, TABLE.c.status, TABLE.c.leased_by, TABLE.c.idempotency_key).order_by(
                TABLE.c.id
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _worker(env: dict[str, str], log) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [SOTESILTA, "worker", "--batch", str(BATCH), "--lease-seconds", "5", "--idle-seconds", "0.2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_only_what_it_held(
    runtime, settings, database_url, tmp_path
):
    with runtime.uow() as uow:
        for n in range(MESSAGES):
            uow.outbox.enqueue(
                uow,
                OutgoingMessage(
                    county="03",
                    channel="email",
                    kind=MessageKind.BOOKING_CONFIRMATION,
                    recipient=f"client{n}@example.org",
                    subject=f"Aika {n}",
                    body="Tiistaina klo 9.00",
                    idempotency_key=f"kill-test:{n}",
                ),
            )
        uow.commit()
    # a slow server: each message takes a while, so the kill falls in the middle of a batch
    server = start_server(recorder=Recorder(delay=0.05))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")} | {
        "SOTESILTA_DATA_DIR": str(settings.data_dir),  # the data keys the messages were sealed with
        "SOTESILTA_SECRET_KEY": TEST_SECRET,
        "SOTESILTA_DATABASE_URL": database_url,
        "SOTESILTA_SMTP_HOST": "127.0.0.1",
        "SOTESILTA_SMTP_PORT": str(server.port),
        "SOTESILTA_SMTP_SECURITY": "none",
        "SOTESILTA_SMTP_SENDER": "no-reply@lansi-uusimaa.example",
    }
    logs = [open(tmp_path / f"worker{n}.log", "wb") for n in range(3)]  # noqa: SIM115
    workers: list[subprocess.Popen[bytes]] = []
    try:
        first = _worker(env, logs[0])
        workers.append(first)
        while len(server.recorder.received) < 15:
            assert first.poll() is None, (tmp_path / "worker0.log").read_text()
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        received_before = len(server.recorder.received)
        in_hand = {
            key for _id, status, leased_by, key in _statuses(runtime) if status == "pending" and leased_by
        }
        assert 0 < len(in_hand) <= BATCH  # killed holding part of a batch

        # restarted: two workers at once, who take the dead one's messages over when its lease ends
        workers += [_worker(env, logs[1]), _worker(env, logs[2])]
        while any(status != "delivered" for _id, status, _l, _k in _statuses(runtime)):
            assert all(w.poll() is None for w in workers[1:]), (tmp_path / "worker1.log").read_text()
            time.sleep(0.2)
        for worker in workers[1:]:
            worker.send_signal(signal.SIGTERM)  # a clean stop: the message in hand is finished
            assert worker.wait() == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        for log in logs:
            log.close()
        server.stop()

    domain = "lansi-uusimaa.example"
    sent = Counter(m["Message-ID"] for m in server.recorder.messages())
    wanted = {message_id(f"kill-test:{n}", domain) for n in range(MESSAGES)}
    assert set(sent) == wanted  # every message arrived, and nothing else did
    duplicates = {mid for mid, count in sent.items() if count > 1}
    # only what the killed worker held went twice (at most once more each), with its own
    # Message-ID, which the receiver drops
    assert duplicates <= {message_id(key, domain) for key in in_hand}
    assert max(sent.values()) <= 2
    print(
        f"\n{MESSAGES} messages; killed after {received_before} arrived, holding {len(in_hand)}; "
        f"{sum(sent.values())} arrived in all, {len(duplicates)} duplicates (same Message-ID)"
    )
    assert "delivered" in (tmp_path / "worker1.log").read_text()
