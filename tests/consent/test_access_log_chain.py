"""The access log's chain: the same on both databases, whichever side hashes.

SQLite chains an entry in the writer's transaction (Python); PostgreSQL writes
it to ``access_log_pending`` and its deferred trigger chains it at commit
(SQL). ``audit.verify`` checks both the same way, so the SQL must write
exactly the canonical text Python hashes: these properties hold it to that.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

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
instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)  # isoformat() writes no fraction then
)
ids = st.integers(min_value=-(2**31), max_value=2**31 - 1)
fields = st.fixed_dictionaries(
    {
        "seq": st.integers(min_value=1, max_value=2**31 - 1),
        "at": instants,
        "user_id": ids,
        "role": texts,
        "action": texts,
        "subject_type": texts,
        "subject_id": ids,
        "client_id": st.none() | ids,
        "basis": texts,
        "consent_id": st.none() | ids,
        "reason": st.none() | texts,
    }
)
CANONICAL_SQL = text(
    "SELECT access_log_canonical(:seq, :at, :user_id, :role, :action, :subject_type, :subject_id, "
    ":client_id, :basis, :consent_id, :reason)"
)


@requires_postgres
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=fields)
def test_postgresql_writes_the_canonical_text_python_hashes(entry, runtime):
    with runtime.engine.connect() as connection:
        assert connection.scalar(CANONICAL_SQL, entry) == audit.canonical(entry)


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
    assert audit.verify(runtime.engine, public_key).ok
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AccessLogPending)) == 0


def test_concurrent_writers_leave_one_gapless_chain(runtime):
    """Sixteen writers at once, each committing entries one by one: nothing lost, nothing forked."""
    writers, each = 16, 15
    errors: list[BaseException] = []

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

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    entries = _entries(runtime)
    assert [e.seq for e in entries] == list(range(1, writers * each + 1))
    assert sorted((e.user_id, e.subject_id) for e in entries) == [
        (n + 1, i) for n in range(writers) for i in range(each)
    ]
    result = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert result.ok and result.entries == writers * each


@requires_postgres
def test_an_entry_left_unchained_fails_verification(runtime):
    with runtime.engine.begin() as connection:
        connection.execute(text("SET CONSTRAINTS access_log_chain IMMEDIATE"))  # chain it now...
        _pending(connection, subject_id=1)
        assert connection.scalar(select(func.count()).select_from(AccessLogPending)) == 0
        assert connection.scalar(select(func.count()).select_from(AccessLogEntry)) == 1
        # ...and then a row the trigger never saw (as with triggers switched off)
        connection.execute(text("ALTER TABLE access_log_pending DISABLE TRIGGER access_log_chain"))
        _pending(connection, subject_id=2)
        connection.execute(text("ALTER TABLE access_log_pending ENABLE TRIGGER access_log_chain"))
    result = audit.verify(runtime.engine, _audit_key(runtime).public_key())
    assert not result.ok and "never chained" in (result.problem or "")


def _pending(connection, *, subject_id: int) -> None:  # type: ignore[no-untyped-def]
    """An entry written as PostgreSQL's use cases write theirs."""
    row = {"at": datetime.now(UTC), "user_id": 1, "role": "admin", "action": "read"}
    row |= {"subject_type": "client", "subject_id": subject_id, "basis": "task"}
    connection.execute(AccessLogPending.__table__.insert(), row)  # type: ignore[attr-defined]


def _audit_key(runtime):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(runtime.settings.audit_signing_key())
