"""access log chained at commit on PostgreSQL: a pending table and a deferred trigger

Revision ID: 0011_access_log_chain
Revises: 0010_slot_start_index
Create Date: 2026-12-06

A use case writes its access-log entry into ``access_log_pending``; the
deferred constraint trigger ``access_log_chain`` moves it into ``access_log``
when the transaction commits, numbered and hashed exactly as
``sotesilta.consent.audit.entry_hash`` does, under the head row's lock. The
lock is then held only while the transaction commits, not across the client's
round trips (with 32 concurrent bookings the head row had become the queue).
SQLite has one writer at a time and chains in place: it gets the table only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_access_log_chain"
down_revision = "0010_slot_start_index"
branch_labels = None
depends_on = None

# The canonical text of an entry, as Python's json.dumps(fields, sort_keys=True,
# separators=(",", ":"), ensure_ascii=False) writes it, with ``at`` in UTC as
# datetime.isoformat() writes it (no fraction when there are no microseconds).
# to_json escapes a string as Python does (", \, \b \f \n \r \t, \u00xx for the
# other control characters) and leaves every other character as it is.
CANONICAL = """
CREATE FUNCTION access_log_canonical(
    seq bigint, at timestamptz, user_id bigint, role text, action text, subject_type text,
    subject_id bigint, client_id bigint, basis text, consent_id bigint, reason text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"action":' || to_json(action)::text
        || ',"at":' || to_json(
            to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN to_char(at AT TIME ZONE 'UTC', 'US') = '000000' THEN ''
                    ELSE '.' || to_char(at AT TIME ZONE 'UTC', 'US') END
            || '+00:00')::text
        || ',"basis":' || to_json(basis)::text
        || ',"client_id":' || coalesce(client_id::text, 'null')
        || ',"consent_id":' || coalesce(consent_id::text, 'null')
        || ',"reason":' || coalesce(to_json(reason)::text, 'null')
        || ',"role":' || to_json(role)::text
        || ',"seq":' || seq::text
        || ',"subject_id":' || subject_id::text
        || ',"subject_type":' || to_json(subject_type)::text
        || ',"user_id":' || user_id::text
        || '}'
$$
"""

CHAIN = """
CREATE FUNCTION access_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq bigint;
    prev text;
    digest text;
BEGIN
    UPDATE access_log_head SET last_seq = last_seq + 1 WHERE id = 1
        RETURNING last_seq, last_hash INTO next_seq, prev;
    IF NOT FOUND THEN  -- the first entry ever (the migration creates the head; a restore may not)
        next_seq := 1;
        prev := repeat('0', 64);
        INSERT INTO access_log_head (id, last_seq, last_hash, base_seq, base_hash)
            VALUES (1, 1, prev, 0, prev);
    END IF;
    digest := encode(sha256(convert_to(prev || '|' || access_log_canonical(
        next_seq, NEW.at, NEW.user_id, NEW.role, NEW.action, NEW.subject_type, NEW.subject_id,
        NEW.client_id, NEW.basis, NEW.consent_id, NEW.reason), 'UTF8')), 'hex');
    INSERT INTO access_log (seq, at, user_id, role, action, subject_type, subject_id, client_id,
                            basis, consent_id, reason, prev_hash, entry_hash)
        VALUES (next_seq, NEW.at, NEW.user_id, NEW.role, NEW.action, NEW.subject_type,
                NEW.subject_id, NEW.client_id, NEW.basis, NEW.consent_id, NEW.reason, prev, digest);
    UPDATE access_log_head SET last_hash = digest WHERE id = 1;
    DELETE FROM access_log_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER access_log_chain AFTER INSERT ON access_log_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_log_chain()
"""


def upgrade() -> None:
    op.create_table(
        "access_log_pending",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CANONICAL)
        op.execute(CHAIN)
        op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_chain ON access_log_pending")
        op.execute("DROP FUNCTION access_log_chain()")
        op.execute(
            "DROP FUNCTION access_log_canonical(bigint, timestamptz, bigint, text, text, text, bigint, "
            "bigint, text, bigint, text)"
        )
    op.drop_table("access_log_pending")
