"""The hash-chained access log: append, chain, verify, checkpoint, purge.

Each entry commits to the one before: ``entry_hash = SHA-256(prev_hash |
canonical fields)``. Checkpoints sign the hash at a sequence number with
Ed25519, so rewriting the whole chain from some point on is detected too.

Where the chaining happens depends on the database. SQLite has one writer at a
time: the entry is chained here, in the caller's transaction (the head row costs
it no waiting). On PostgreSQL a single chain head would make every writer of
every server process queue on one row lock (it halved the booking rate and set
its tail), so the use case only inserts the entry, unchained, into
``access_log_pending`` in its own transaction: committed with the change or not
at all, never lost. ``chain_pending`` then chains the committed pending entries
in the order of their ids, under a PostgreSQL advisory lock so that one chainer
at a time does it; every server process runs it in the background
(``sotesilta_register_background_tasks``) and ``sotesilta audit chain`` runs it
by hand. A chainer that dies leaves its batch pending (its transaction rolls
back), and the next one chains it; an entry's place in the chain is given when
it is chained, so it never changes afterwards. ``verify`` checks the chained
entries and reports how many are pending and how old the oldest is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update
from sqlmodel import col

from sotesilta.consent.tables import AccessLogCheckpoint, AccessLogEntry, AccessLogHead, AccessLogPending
from sotesilta.core.plugin_api import AccessEvent
from sotesilta.core.plugin_api.data import Prepared

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "role",
    "action",
    "subject_type",
    "subject_id",
    "client_id",
    "basis",
    "consent_id",
    "reason",
)


def canonical(fields: dict[str, object]) -> str:
    """The text an entry's hash covers (the SQL function ``access_log_canonical`` writes the same)."""
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def entry_hash(prev_hash: str, fields: dict[str, object]) -> str:
    return hashlib.sha256(f"{prev_hash}|{canonical(fields)}".encode()).hexdigest()


# the tables themselves (typed as such, where the models' attributes are typed as values)
_HEAD = AccessLogHead.metadata.tables["access_log_head"]
_ENTRY = AccessLogEntry.metadata.tables["access_log"]
_PENDING = AccessLogPending.metadata.tables["access_log_pending"]
# prebuilt and run straight on the driver: appending runs inside every use of client data
_ADVANCE = Prepared(
    _HEAD.update()
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq + 1)
    .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)
)
_INSERT_ENTRY = Prepared(_ENTRY.insert())
_INSERT_PENDING = Prepared(_PENDING.insert())
_SET_HASH = Prepared(_HEAD.update().where(_HEAD.c.id == 1).values(last_hash=bindparam("digest")))


def append(connection: Connection, event: AccessEvent) -> None:
    """Write one entry in the caller's transaction: chained here (SQLite), or pending until
    the chainer chains it shortly after the transaction commits (PostgreSQL)."""
    fields = {
        "at": event.at.astimezone(UTC),
        "user_id": event.user_id,
        "role": event.role,
        "action": event.action.value,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "client_id": event.client_id,
        "basis": event.basis.value,
        "consent_id": event.consent_id,
        "reason": event.reason,
    }
    if connection.dialect.name == "postgresql":
        _INSERT_PENDING.execute(connection, fields)
        return
    head = _ADVANCE.first(connection, {})
    if head is None:  # the first entry ever: create the head (the migration also does)
        connection.execute(
            insert(AccessLogHead).values(id=1, last_seq=1, last_hash=GENESIS, base_seq=0, base_hash=GENESIS)
        )
        head = (1, GENESIS)
    seq, prev = head
    fields = {"seq": seq, **fields}
    digest = entry_hash(prev, fields)
    _INSERT_ENTRY.execute(connection, {**fields, "prev_hash": prev, "entry_hash": digest})
    _SET_HASH.execute(connection, {"digest": digest})


#: the PostgreSQL advisory lock that makes one chainer at a time ("sotelog" in ASCII)
CHAINER_LOCK = 0x736F74656C6F67
#: seconds between a chainer's looks: an entry waits about this long to be chained
CHAIN_INTERVAL_S = 0.2
#: entries chained in one transaction: a batch's rows travel in one round trip each way
CHAIN_BATCH = 2000
_EVENT_FIELDS = tuple(name for name in HASHED_FIELDS if name != "seq")
_PENDING_BATCH = Prepared(
    select(_PENDING.c.id, *(_PENDING.c[name] for name in _EVENT_FIELDS))
    .order_by(_PENDING.c.id)
    .limit(bindparam("batch"))
)
_HEAD_FOR_CHAINING = Prepared(
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
)
_BEGIN_WRITING = Prepared(text("BEGIN IMMEDIATE"))
_MOVE_HEAD = Prepared(
    _HEAD.update().where(_HEAD.c.id == 1).values(last_seq=bindparam("seq"), last_hash=bindparam("digest"))
)


def chain_pending(engine: Engine, *, batch: int = CHAIN_BATCH) -> int:
    """Chain the committed pending entries, lowest id first, until none is left; returns
    how many were chained here (0 also when another chainer holds the lock)."""
    chained = 0
    while True:
        done = _chain_batch(engine, batch)
        if done is None:
            return chained
        chained += done
        if done < batch:
            return chained


def _chain_batch(engine: Engine, batch: int) -> int | None:
    """One transaction: up to ``batch`` pending entries moved into the chain, or None when
    another chainer holds the lock. All or nothing: a chainer killed midway chains nothing."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            if not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": CHAINER_LOCK}):
                return None
        else:  # SQLite: look before taking the writer lock, which its chaining holds to commit
            if connection.scalar(select(_PENDING.c.id).limit(1)) is None:
                return 0
            connection.commit()
            _BEGIN_WRITING.execute(connection, {})
        rows = _PENDING_BATCH.rows(connection, {"batch": batch})
        if not rows:
            return 0
        head = _HEAD_FOR_CHAINING.first(connection, {})
        if head is None:  # the first entry ever: create the head (the migration also does)
            first = {"id": 1, "last_seq": 0, "last_hash": GENESIS, "base_seq": 0, "base_hash": GENESIS}
            connection.execute(insert(AccessLogHead).values(**first))
            head = (0, GENESIS)
        seq, prev = head
        entries = []
        for row in rows:
            seq += 1
            fields = {"seq": seq, **{name: getattr(row, name) for name in _EVENT_FIELDS}}
            digest = entry_hash(prev, fields)
            entries.append({**fields, "prev_hash": prev, "entry_hash": digest})
            prev = digest
        _INSERT_ENTRY.executemany(connection, entries)
        # by id, never by range: an entry of a lower id may commit meanwhile, unchained
        connection.execute(delete(_PENDING).where(_PENDING.c.id.in_([row.id for row in rows])))
        _MOVE_HEAD.execute(connection, {"seq": seq, "digest": prev})
        connection.commit()
        return len(rows)


@dataclass(frozen=True)
class Verification:
    ok: bool  # nothing found broken
    entries: int
    checkpoints: int  # signed by a trusted key, and checked
    first_broken: int | None
    problem: str | None
    #: checkpoints whose own signature holds but whose key is not trusted: not used
    untrusted: int = 0
    untrusted_keys: tuple[str, ...] = ()  # those keys, in hex
    #: entries committed but not chained yet (PostgreSQL: the chainer's next batch)
    pending: int = 0
    oldest_pending: datetime | None = None  # when the oldest of them was written

    def pending_for(self, now: datetime) -> float:
        """How long the oldest pending entry has waited, in seconds (0 when none)."""
        return 0.0 if self.oldest_pending is None else max((now - self.oldest_pending).total_seconds(), 0.0)

    @property
    def vouched(self) -> bool:
        """Intact, and every checkpoint was signed by a trusted key."""
        return self.ok and not self.untrusted


def verify(engine: Engine, *trusted: Ed25519PublicKey, batch: int = 5000) -> Verification:
    """Walk the chain from its base; name the first entry that does not fit.

    A checkpoint counts only when signed by a ``trusted`` key (the configured audit key's,
    and earlier ones the operator still trusts): a chain rewritten and re-signed with
    another key gains nothing. A checkpoint signed by a key not trusted is not used but
    reported (``untrusted``), so losing the audit key does not make the log unverifiable:
    the chain is still checked entry by entry, and the old checkpoints count again once
    the old public key is trusted. A checkpoint whose signature does not hold under its own
    key is forged. The walk stops at the end of the chain as it was when verification
    began, so entries appended meanwhile are not mistaken for damage. Entries not yet
    chained are not checked (nothing commits to them yet): they are counted, with the
    time the oldest was written, so a chainer that has stopped shows.
    """
    trusted_keys = {key.public_bytes_raw().hex(): key for key in trusted}
    with engine.connect() as connection:
        head = connection.execute(select(AccessLogHead)).first()
        if head is None:
            return Verification(True, 0, 0, None, None)
        expected_prev, expected_seq = head.base_hash, head.base_seq + 1
        hashes: dict[int, str] = {}
        count = 0
        while True:
            rows = connection.execute(
                select(AccessLogEntry)
                .where(col(AccessLogEntry.seq) >= expected_seq, col(AccessLogEntry.seq) <= head.last_seq)
                .order_by(col(AccessLogEntry.seq))
                .limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                if row.seq != expected_seq:
                    return Verification(False, count, 0, expected_seq, f"entry {expected_seq} is missing")
                fields = {name: getattr(row, name) for name in HASHED_FIELDS}
                if row.prev_hash != expected_prev:
                    return Verification(
                        False, count, 0, row.seq, f"entry {row.seq} does not follow entry {row.seq - 1}"
                    )
                if entry_hash(row.prev_hash, fields) != row.entry_hash:
                    return Verification(False, count, 0, row.seq, f"entry {row.seq} was altered")
                hashes[row.seq] = row.entry_hash
                expected_prev, expected_seq = row.entry_hash, row.seq + 1
                count += 1
        if expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
            return Verification(
                False, count, 0, expected_seq, f"entries after {expected_seq - 1} are missing"
            )
        pending, oldest = connection.execute(
            select(func.count(), func.min(col(AccessLogPending.at))).select_from(AccessLogPending)
        ).one()
        checkpoints = connection.execute(
            select(AccessLogCheckpoint).order_by(col(AccessLogCheckpoint.seq))
        ).all()
        used, untrusted = 0, dict[str, int]()
        for point in checkpoints:
            key = trusted_keys.get(point.public_key)
            message = f"{point.seq}:{point.entry_hash}".encode()
            if not _signed(key or _public_key(point.public_key), message, point.signature):
                return Verification(
                    False, count, used, point.seq, f"checkpoint at {point.seq} is forged", pending=pending
                )
            if key is None:
                untrusted[point.public_key] = untrusted.get(point.public_key, 0) + 1
                continue
            used += 1
            if point.seq in hashes and hashes[point.seq] != point.entry_hash:
                return Verification(
                    False,
                    count,
                    used,
                    point.seq,
                    f"entry {point.seq} differs from its signed checkpoint",
                    pending=pending,
                )
        return Verification(
            True,
            count,
            used,
            None,
            None,
            sum(untrusted.values()),
            tuple(untrusted),
            pending=pending,
            oldest_pending=oldest,
        )


def _public_key(stored: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(stored))
    except ValueError:
        return None


def _signed(key: Ed25519PublicKey | None, message: bytes, signature: str) -> bool:
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint(engine: Engine, key: Ed25519PrivateKey, now: datetime) -> int | None:
    """Sign the current end of the chain."""
    with engine.begin() as connection:
        head = connection.execute(select(col(AccessLogHead.last_seq), col(AccessLogHead.last_hash))).first()
        if head is None or head.last_seq == 0:
            return None
        signature = key.sign(f"{head.last_seq}:{head.last_hash}".encode())
        public = key.public_key().public_bytes_raw().hex()
        connection.execute(
            insert(AccessLogCheckpoint).values(
                seq=head.last_seq,
                entry_hash=head.last_hash,
                signed_at=now,
                public_key=public,
                signature=signature.hex(),
            )
        )
        return int(head.last_seq)


def purge(engine: Engine, before: datetime) -> int:
    """Delete entries older than ``before`` (retention), moving the chain's base.

    The caller logs the purge itself as an access-log entry.
    """
    with engine.begin() as connection:
        last = connection.execute(
            select(col(AccessLogEntry.seq), col(AccessLogEntry.entry_hash))
            .where(col(AccessLogEntry.at) < before)
            .order_by(col(AccessLogEntry.seq).desc())
            .limit(1)
            .with_for_update()
        ).first()
        if last is None:
            return 0
        removed = connection.execute(
            delete(AccessLogEntry).where(col(AccessLogEntry.seq) <= last.seq)
        ).rowcount
        connection.execute(
            update(AccessLogHead)
            .where(col(AccessLogHead.id) == 1)
            .values(base_seq=last.seq, base_hash=last.entry_hash)
        )
        connection.execute(delete(AccessLogCheckpoint).where(col(AccessLogCheckpoint.seq) <= last.seq))
        return int(removed or 0)
