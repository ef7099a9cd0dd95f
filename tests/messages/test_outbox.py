"""The outbox: a message exists if and only if its change commits; workers deliver it at
least once, retry with a growing backoff, dead-letter it, and never undo each other's work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channel_support import DeliveryFailed, Keeper, plugins_with
from sqlalchemy import select

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.plugins.manager import PluginError, load_plugins
from sotesilta.core.messages.domain import MAX_ATTEMPTS, MessageStatus, backoff
from sotesilta.core.messages.service.delivery import WorkerPolicy, claim, deliver_batch, mark_delivered
from sotesilta.core.messages.service.outbox import TABLE

RECIPIENT = "maija.meikalainen@example.org"


def message(key: str = "booking:1:confirmation", **changes) -> OutgoingMessage:  # type: ignore[no-untyped-def]
    values = {
        "county": "03",
        "channel": "test",
        "kind": MessageKind.BOOKING_CONFIRMATION,
        "recipient": RECIPIENT,
        "subject": "Aikasi sosiaaliohjaukseen",
        "body": "Tiistaina 3.3. klo 9.00, Leppävaaran terveysasema",
        "idempotency_key": key,
    }
    return OutgoingMessage(**(values | changes))


def enqueue(runtime, *messages: OutgoingMessage) -> None:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        for m in messages:
            uow.outbox.enqueue(uow, m)
        uow.commit()


def rows(runtime):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return uow.connection.execute(select(TABLE).order_by(TABLE.c.id)).mappings().all()


def run(runtime, keeper: Keeper, plugins=None, worker: str = "w1", **policy):  # type: ignore[no-untyped-def]
    return deliver_batch(
        runtime.uow, plugins or plugins_with(keeper), worker=worker, policy=WorkerPolicy(**policy)
    )


def test_a_message_is_written_only_when_the_change_causing_it_commits(runtime):
    with runtime.uow() as uow:
        uow.outbox.enqueue(uow, message("rolled-back"))
        # no commit: the use case failed after enqueuing
    enqueue(runtime, message("committed"))
    assert [r["idempotency_key"] for r in rows(runtime)] == ["committed"]


def test_the_same_idempotency_key_twice_is_one_message(runtime):
    with runtime.uow() as uow:
        assert uow.outbox.enqueue(uow, message()) is True
        assert uow.outbox.enqueue(uow, message(body="another text")) is False
        uow.commit()
    assert len(rows(runtime)) == 1


def test_recipient_subject_and_body_are_sealed_at_rest(runtime):
    enqueue(runtime, message())
    row = rows(runtime)[0]
    stored = " ".join(str(v) for v in row.values())
    assert "maija" not in stored and "Leppävaara" not in stored and "sosiaaliohjaukseen" not in stored
    assert row["recipient"].startswith("v1.") and row["body"].startswith("v1.")


def test_a_message_without_a_recipient_is_refused(runtime):
    with runtime.uow() as uow, pytest.raises(InputInvalid):
        uow.outbox.enqueue(uow, message(recipient="  "))


def test_the_worker_delivers_due_messages_once_with_their_keys(runtime):
    keeper = Keeper()
    enqueue(runtime, message("a"), message("b"))
    report = run(runtime, keeper)
    assert report.delivered == 2
    assert [(d.idempotency_key, d.recipient, d.attempt) for d in keeper.sent] == [
        ("a", RECIPIENT, 1),
        ("b", RECIPIENT, 1),
    ]
    assert {r["status"] for r in rows(runtime)} == {"delivered"}
    assert run(runtime, keeper).attempts == 0  # nothing is delivered twice
    assert len(keeper.sent) == 2


def test_a_message_waits_until_it_is_due(runtime, clock):
    keeper = Keeper()
    enqueue(runtime, message(due_at=clock.now() + timedelta(hours=24)))
    assert run(runtime, keeper).attempts == 0
    clock.advance(hours=23, minutes=59)
    assert run(runtime, keeper).attempts == 0
    clock.advance(minutes=1)
    assert run(runtime, keeper).delivered == 1


def test_a_message_to_a_client_waits_out_the_night(runtime, clock):
    clock._now = clock.now().replace(hour=20, minute=30)  # 22.30 in Helsinki (UTC+2 in March)
    keeper = Keeper()
    enqueue(runtime, message(quiet_hours=True), message("staff", quiet_hours=False))
    assert [d.idempotency_key for d in (run(runtime, keeper), keeper.sent)[1]] == ["staff"]
    clock.advance(hours=9, minutes=29)  # 07.59 in Helsinki
    assert run(runtime, keeper).attempts == 0
    clock.advance(minutes=1)  # 08.00
    assert run(runtime, keeper).delivered == 1


def test_a_failure_is_retried_after_a_growing_backoff_then_dead_lettered(runtime, clock):
    keeper = Keeper(failure=DeliveryFailed("the server answered 451"))
    enqueue(runtime, message())
    for attempt in range(1, MAX_ATTEMPTS):
        assert run(runtime, keeper).retried == 1
        row = rows(runtime)[0]
        assert (row["status"], row["attempts"]) == ("pending", attempt)
        assert row["due_at"] == clock.now() + backoff(attempt)
        assert row["last_error"] == "the server answered 451"
        clock.advance(seconds=backoff(attempt).total_seconds() - 1)
        assert run(runtime, keeper).attempts == 0  # not before its time
        clock.advance(seconds=1)
    assert run(runtime, keeper).dead == 1
    assert (rows(runtime)[0]["status"], rows(runtime)[0]["attempts"]) == ("dead", MAX_ATTEMPTS)


def test_a_permanent_failure_is_dead_at_once(runtime):
    keeper = Keeper(failure=DeliveryFailed("the server refused the recipient (550)", permanent=True))
    enqueue(runtime, message())
    assert run(runtime, keeper).dead == 1
    assert rows(runtime)[0]["status"] == "dead"


def test_an_unexpected_error_is_retried_without_its_text(runtime):
    keeper = Keeper(failure=ValueError(f"bad address {RECIPIENT}"))
    enqueue(runtime, message())
    assert run(runtime, keeper).retried == 1
    assert rows(runtime)[0]["last_error"] == "the channel failed: ValueError"


def test_a_message_for_a_channel_not_installed_is_dead_at_once(runtime):
    enqueue(runtime, message(channel="pigeon"))
    assert run(runtime, Keeper()).dead == 1
    assert rows(runtime)[0]["last_error"] == "no channel 'pigeon' is installed"


def test_a_worker_that_outlived_its_lease_cannot_undo_the_one_that_took_over(runtime, clock):
    keeper = Keeper()
    plugins = plugins_with(keeper)
    enqueue(runtime, message())
    policy = WorkerPolicy(lease=timedelta(seconds=60))
    with runtime.uow() as uow:
        first = claim(uow, worker="slow", policy=policy)
    assert len(first) == 1
    with runtime.uow() as uow:
        assert claim(uow, worker="other", policy=policy) == []  # leased
    clock.advance(seconds=61)  # "slow" hangs past its lease; "other" takes the message over
    assert run(runtime, keeper, plugins, worker="other").delivered == 1
    assert keeper.sent[0].attempt == 2 and keeper.sent[0].idempotency_key == first[0].delivery.idempotency_key
    with runtime.uow() as uow:
        mark_delivered(uow, first[0].id, worker="slow")  # too late: changes nothing
    row = rows(runtime)[0]
    assert (row["status"], row["delivered_at"]) == ("delivered", clock.now())


def test_withdrawing_keeps_what_was_not_sent_from_going_out(runtime):
    enqueue(
        runtime,
        message("reminder", kind=MessageKind.BOOKING_REMINDER, about="booking:7"),
        message("confirmation", about="booking:7"),
        message("other", kind=MessageKind.BOOKING_REMINDER, about="booking:8"),
    )
    with runtime.uow() as uow:
        assert uow.outbox.withdraw(uow, about="booking:7", kinds=[MessageKind.BOOKING_REMINDER]) == 1
        uow.commit()
    keeper = Keeper()
    run(runtime, keeper)
    assert sorted(d.idempotency_key for d in keeper.sent) == ["confirmation", "other"]
    assert [r["status"] for r in rows(runtime)] == ["withdrawn", "delivered", "delivered"]


def test_hook_sotesilta_register_channels():
    keeper = Keeper(name="carrier_pigeon")
    plugins = load_plugins(extra=[("pigeons", keeper)])
    assert plugins.channels.get("carrier_pigeon") == keeper.deliver
    assert "email" in plugins.channels.names()  # core's own, the built-in "smtp" plugin
    # a name registered twice stops start-up, naming both plugins
    with pytest.raises(PluginError, match="'carrier_pigeon' is registered by both 'pigeons' and 'again'"):
        load_plugins(extra=[("pigeons", keeper), ("again", Keeper(name="carrier_pigeon"))])


def test_a_blocked_smtp_plugin_leaves_no_email_channel():
    assert "email" not in load_plugins(blocked=["smtp"]).channels.names()


def test_status_values_match_the_tables_check():
    from sotesilta.core.messages.tables import STATUSES

    assert "(" + ", ".join(f"'{s.value}'" for s in MessageStatus) + ")" == STATUSES


def test_workers_claiming_at_once_never_take_the_same_message(runtime):
    import threading

    enqueue(runtime, *(message(f"race:{n}") for n in range(40)))
    claimed: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def work(n: int) -> None:
        start.wait()
        while True:
            with runtime.uow() as uow:
                batch = claim(uow, worker=f"w{n}", policy=WorkerPolicy(batch=3))
            if not batch:
                return
            claimed[n].extend(c.id for c in batch)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 40
    assert {r["leased_by"] for r in rows(runtime)} <= {"w0", "w1", "w2", "w3"}
