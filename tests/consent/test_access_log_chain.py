"""The access log's chain: the same on both databases, whoever chains.

SQLite chains an entry in the writer's transaction; PostgreSQL writes it to
``access_log_pending`` with the change, and the chainer (``audit.chain_pending``)
chains committed entries shortly after, in the order of their ids. The chainer
is tested on both databases here, with pending entries written as PostgreSQL's
use cases write them.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import requires_postgres
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from sotesilta.consent import audit
from sotesilta.consent.tables import AccessLogEntry, AccessLogPending
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, AccessEvent

# any text PostgreSQL can store: every character but NUL and lone surrogates,
# with the ones JSON escapes (quotes, backslashes, control characters) made likely
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    | st.sampled_from('"\\\x01\x08\x09\x0a\x0c\x0d\x1f\x7f\u2028/é€😀'),
    max_size=40,
)
access_events = st.builds(
    AccessEvent,
    at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
    user_id=st.integers(1, 10_000),
    role=st.sampled_from(["health_staff", "instructor", "admin"]),
    action=st.sampled_from(list(AccessAction)),
    subject_type=st.sampled_from(["booking", "client", "consent"]),
    subject_id=st.integers(0, 10_000),
    client_id=st.none() | st.integers(1, 10_000),
    basis=st.sampled_from(list(AccessBasis)),
    consent_id=st.none() | st.integers(1, 10_000),
    reason=st.none() | texts,
)


def _entries(runtime) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The stored entries as plain rows, in chain order."""
    log = AccessLogEntry.__table__
    with runtime.engine.connect() as connection:
        return list(connection.execute(select(log).order_by(log.c.seq)))  # type: ignore[attr-defined]


def _pending_count(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AccessLogPending)) or 0)


def _assert_chained_in_order(runtime, before: list, kept: list[AccessEvent]) -> None:  # type: ignore[no-untyped-def,type-arg]
    """The entries after ``before`` are ``kept``'s, in order, each linked to the one before."""
    added = _entries(runtime)[len(before) :]
    assert [(e.user_id, e.subject_id, e.reason, e.at) for e in added] == [
        (e.user_id, e.subject_id, e.reason, e.at) for e in kept
    ]
    assert [e.seq for e in added] == list(range(len(before) + 1, len(before) + len(kept) + 1))
    previous = before[-1].entry_hash if before else audit.GENESIS
    for e in added:
        fields = {name: getattr(e, name) for name in audit.HASHED_FIELDS}
        assert e.prev_hash == previous and e.entry_hash == audit.entry_hash(previous, fields)
        previous = e.entry_hash


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    transactions=st.lists(
        st.tuples(st.lists(access_events, min_size=1, max_size=4), st.booleans()), min_size=1, max_size=5
    )
)
def test_committed_entries_are_chained_in_order_and_verify_rolled_back_ones_leave_nothing(
    transactions, runtime
):
    public_key = _audit_key(runtime).public_key()
    before = _entries(runtime)
    kept: list[AccessEvent] = []
    for events, commit in transactions:
        with runtime.uow() as uow:
            for e in events:
                audit.append(uow.session.connection(), e)
            if commit:
                uow.commit()
                kept.extend(events)
    event(f"{len(kept)} kept")
    audit.chain_pending(runtime.engine)  # PostgreSQL's; SQLite's are chained already
    _assert_chained_in_order(runtime, before, kept)
    assert audit.verify(runtime.engine, public_key).ok
    assert _pending_count(runtime) == 0


def _write_pending(connection, e: AccessEvent) -> None:  # type: ignore[no-untyped-def]
    """An entry written unchained, as PostgreSQL's use cases write theirs (on either database)."""
    fields = {
        "at": e.at,
        "user_id": e.user_id,
        "role": e.role,
        "action": e.action.value,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "client_id": e.client_id,
        "basis": e.basis.value,
        "consent_id": e.consent_id,
        "reason": e.reason,
    }
    audit._INSERT_PENDING.execute(connection, fields)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("write"), st.lists(access_events, min_size=1, max_size=3), st.booleans()),
            st.tuples(st.just("chain"), st.integers(1, 4), st.just(True)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_chainer_chains_committed_entries_once_in_the_order_written_whatever_its_batches(steps, runtime):
    """Writes (committed or rolled back) and chainer runs of any batch size, in any order:
    every committed entry is chained exactly once, in the order written, and what was
    chained stays as it was."""
    before = _entries(runtime)
    kept: list[AccessEvent] = []
    for kind, payload, commit in steps:
        if kind == "write":
            with runtime.engine.connect() as connection:
                for e in payload:
                    _write_pending(connection, e)
                if commit:
                    connection.commit()
                    kept.extend(payload)
                else:
                    connection.rollback()
        else:
            chained_before = [(e.seq, e.entry_hash) for e in _entries(runtime)]
            audit.chain_pending(runtime.engine, batch=payload)
            assert [(e.seq, e.entry_hash) for e in _entries(runtime)][: len(chained_before)] == chained_before
    audit.chain_pending(runtime.engine, batch=3)
    _assert_chained_in_order(runtime, before, kept)
    assert _pending_count(runtime) == 0
    assert audit.verify(runtime.engine, _audit_key(runtime).public_key()).ok


def _event(n: int, at: datetime | None = None) -> AccessEvent:
    return AccessEvent(
        at=at or datetime.now(UTC),
        user_id=n,
        role="instructor",
        action=AccessAction.READ,
        subject_type="booking",
        subject_id=n,
        client_id=None,
        basis=AccessBasis.TASK,
    )


def test_an_entry_committed_after_a_later_one_was_chained_is_chained_after_it_never_lost(runtime):
    """Ids are given at insert, commits come in any order: the chainer takes what is committed,
    and an entry of a lower id that commits later is chained later, not skipped."""
    with runtime.engine.connect() as slow, runtime.engine.connect() as quick:
        _write_pending(slow, _event(1))
        if runtime.engine.dialect.name == "sqlite":
            slow.commit()  # SQLite has one writer: the "slow" one must finish first
        _write_pending(quick, _event(2))
        quick.commit()
        audit.chain_pending(runtime.engine)
        if runtime.engine.dialect.name == "postgresql":
            assert [e.subject_id for e in _entries(runtime)] == [2]
            slow.commit()
    audit.chain_pending(runtime.engine)
    entries = _entries(runtime)
    assert sorted(e.subject_id for e in entries) == [1, 2] and len(entries) == 2
    assert audit.verify(runtime.engine, _audit_key(runtime).public_key()).ok


def test_a_chainer_that_fails_midway_chains_nothing_and_the_next_one_chains_it_all(runtime, monkeypatch):
    with runtime.engine.connect() as connection:
        for n in range(5):
            _write_pending(connection, _event(n + 1))
        connection.commit()
    hashed = 0
    real_hash = audit.entry_hash

    def dies_on_the_third(prev: str, fields: dict[str, object]) -> str:  # as a killed chainer would
        nonlocal hashed
        hashed += 1
        if hashed == 3:
            raise RuntimeError("the chainer died")
        return real_hash(prev, fields)

    monkeypatch.setattr(audit, "entry_hash", dies_on_the_third)
    with pytest.raises(RuntimeError, match="died"):
        audit.chain_pending(runtime.engine)
    assert _entries(runtime) == [] and _pending_count(runtime) == 5
    monkeypatch.setattr(audit, "entry_hash", real_hash)
    assert audit.chain_pending(runtime.engine) == 5
    assert [e.subject_id for e in _entries(runtime)] == [1, 2, 3, 4, 5]
    assert audit.verify(runtime.engine, _audit_key(runtime).public_key()).ok


@requires_postgres
def test_one_chainer_at_a_time_holds_the_advisory_lock(runtime):
    with runtime.engine.connect() as connection:
        _write_pending(connection, _event(1))
        connection.commit()
    with runtime.engine.begin() as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit.CHAINER_LOCK})
        assert audit.chain_pending(runtime.engine) == 0  # another chainer is at work
        assert _pending_count(runtime) == 1
    assert audit.chain_pending(runtime.engine) == 1


def test_verify_counts_the_pending_entries_and_the_age_of_the_oldest_without_failing(runtime, clock):
    written = clock.now() - timedelta(seconds=42)
    with runtime.engine.connect() as connection:
        _write_pending(connection, _event(1, at=written))
        _write_pending(connection, _event(2, at=written + timedelta(seconds=10)))
        connection.commit()
    result = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert result.ok and result.pending == 2 and result.pending_for(clock.now()) == pytest.approx(42)
    audit.chain_pending(runtime.engine)
    chained = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert (
        chained.ok and chained.pending == 0 and chained.entries == 2 and chained.pending_for(clock.now()) == 0
    )


def test_a_pending_entry_altered_before_it_is_chained_is_chained_as_altered_and_then_protected(runtime):
    """The window deferred chaining opens: until chained, an entry is an ordinary row (the
    database's own access control protects it); from then on, any change is detected."""
    with runtime.engine.connect() as connection:
        _write_pending(connection, _event(1))
        connection.commit()
    audit.chain_pending(runtime.engine)
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE access_log SET role = 'admin' WHERE seq = 1"))
    broken = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert not broken.ok and broken.first_broken == 1


def test_concurrent_writers_and_chainers_leave_one_gapless_chain(runtime):
    """Sixteen writers at once, each committing entries one by one, and two chainers running
    beside them: nothing lost, nothing forked, nothing chained twice."""
    writers, each = 16, 15
    errors: list[BaseException] = []
    writing = threading.Event()

    def write(n: int) -> None:
        try:
            for i in range(each):
                with runtime.uow() as uow:
                    audit.append(
                        uow.session.connection(),
                        AccessEvent(
                            at=datetime.now(UTC),
                            user_id=n + 1,
                            role="instructor",
                            action=AccessAction.READ,
                            subject_type="booking",
                            subject_id=i,
                            client_id=None,
                            basis=AccessBasis.TASK,
                        ),
                    )
                    uow.commit()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    def chain() -> None:
        try:
            while writing.is_set():
                audit.chain_pending(runtime.engine, batch=7)
        except BaseException as exc:
            errors.append(exc)

    writing.set()
    chainers = [threading.Thread(target=chain) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in chainers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    for thread in chainers:
        thread.join()
    assert not errors
    audit.chain_pending(runtime.engine)
    entries = _entries(runtime)
    assert [e.seq for e in entries] == list(range(1, writers * each + 1))
    assert sorted((e.user_id, e.subject_id) for e in entries) == [
        (n + 1, i) for n in range(writers) for i in range(each)
    ]
    for n in range(writers):  # each writer's entries in the order it wrote them
        assert [e.subject_id for e in entries if e.user_id == n + 1] == list(range(each))
    result = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert result.ok and result.entries == writers * each


def _audit_key(runtime):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(runtime.settings.audit_signing_key())


@requires_postgres
def test_stepping_below_the_chainer_chains_what_is_pending_through_the_trigger_made_again(
    runtime, database_url
):
    from sotesilta.core.kernel import migrate
    from sotesilta.core.kernel.db import make_engine

    with runtime.engine.connect() as connection:
        for n in range(3):
            _write_pending(connection, _event(n + 1))
        connection.commit()
    runtime.engine.dispose()
    engine = make_engine(database_url)
    try:
        migrate.downgrade(engine, "0019_oidc_sign_in")
        assert _pending_count(runtime) == 0
        assert [e.subject_id for e in _entries(runtime)] == [1, 2, 3]
        assert audit.verify(engine, _audit_key(runtime).public_key()).ok
    finally:
        migrate.upgrade(engine)
        engine.dispose()
