"""the access log is chained after commit, by one chainer; the booking's unused index entries go

Revision ID: 0022_access_log_chainer
Revises: 0021_shl_inbox_feedback_channel
Create Date: 2026-12-07

PostgreSQL: the deferred trigger ``access_log_chain`` (0011) chained every entry
as its transaction committed, under the one head row's lock, so every writer of
every server process queued there (issue 22). Entries now stay in
``access_log_pending`` when their transaction commits, and
``sotesilta.consent.audit.chain_pending`` chains them shortly after, one chainer
at a time; the trigger and its two functions go. Downgrading first chains what is
pending, through the trigger made again, so the older code finds nothing pending.

Both databases: a booking wrote two index entries no query needed.
``ix_booking_booked_by (booked_by, starts_at)``: a booker's lists filter by station,
municipality and time as well and are served by the time indexes; what reads by
booker alone is the menu's count of orphaned bookings on every page, now served by
``ix_booking_orphaned``, which holds only orphaned bookings not yet resolved (none, in
a booking's insert). ``ix_booking_client_id`` indexed every booking, nearly all with
no registered client: it now holds only those with one (``client_id = ?`` implies it,
for both planners).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0022_access_log_chainer"
down_revision = "0021_shl_inbox_feedback_channel"
branch_labels = None
depends_on = None

ORPHANED = sa.text("orphaned_at IS NOT NULL AND orphan_resolved_at IS NULL")
WITH_CLIENT = sa.text("client_id IS NOT NULL")
_FIELDS = "at, user_id, role, action, subject_type, subject_id, client_id, basis, consent_id, reason"


def _revision_0011() -> ModuleType:
    """The migration that made the trigger: its SQL makes it again (read, never edited)."""
    path = Path(__file__).with_name("0011_access_log_chain.py")
    spec = importlib.util.spec_from_file_location("sotesilta_revision_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_chain ON access_log_pending")
        op.execute("DROP FUNCTION access_log_chain()")
        op.execute(
            "DROP FUNCTION access_log_canonical(bigint, timestamptz, bigint, text, text, text, bigint, "
            "bigint, text, bigint, text)"
        )
    op.drop_index("ix_booking_booked_by", table_name="booking")
    op.create_index(
        "ix_booking_orphaned", "booking", ["booked_by"], sqlite_where=ORPHANED, postgresql_where=ORPHANED
    )
    op.drop_index("ix_booking_client_id", table_name="booking")
    op.create_index(
        "ix_booking_client_id",
        "booking",
        ["client_id"],
        sqlite_where=WITH_CLIENT,
        postgresql_where=WITH_CLIENT,
    )


def downgrade() -> None:
    op.drop_index("ix_booking_client_id", table_name="booking")
    op.create_index("ix_booking_client_id", "booking", ["client_id"], unique=False)
    op.drop_index("ix_booking_orphaned", table_name="booking")
    op.create_index("ix_booking_booked_by", "booking", ["booked_by", "starts_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        chain = _revision_0011()
        op.execute(chain.CANONICAL)
        op.execute(chain.CHAIN)
        op.execute(chain.TRIGGER)
        # what is pending goes through the trigger, in its order, and is chained now
        last = op.get_bind().scalar(sa.text("SELECT max(id) FROM access_log_pending"))
        if last is not None:
            op.execute("SET CONSTRAINTS access_log_chain IMMEDIATE")
            copy = f"INSERT INTO access_log_pending ({_FIELDS}) SELECT {_FIELDS} FROM access_log_pending"  # noqa: S608  (constant names)
            op.execute(sa.text(f"{copy} WHERE id <= :last ORDER BY id").bindparams(last=int(last)))
            op.execute(sa.text("DELETE FROM access_log_pending WHERE id <= :last").bindparams(last=int(last)))
