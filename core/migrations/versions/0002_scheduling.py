"""scheduling: sessions, slots, bookings, walk-ins, visits

Revision ID: 0002_scheduling
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_scheduling"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


# One worker's scheduled sessions never overlap. PostgreSQL says so with an
# exclusion constraint; SQLite, which serialises writers, with triggers.
PG_NO_OVERLAP = """
ALTER TABLE guidance_session ADD CONSTRAINT ex_guidance_session_worker_overlap
EXCLUDE USING gist (worker_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
WHERE (status = 'scheduled')
"""
SQLITE_NO_OVERLAP = [
    f"""
CREATE TRIGGER tr_guidance_session_no_overlap_{event.lower()}
BEFORE {event} ON guidance_session
WHEN NEW.status = 'scheduled' AND EXISTS (
    SELECT 1 FROM guidance_session other
    WHERE other.worker_id = NEW.worker_id AND other.status = 'scheduled'
      AND other.id IS NOT NEW.id
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN
    SELECT RAISE(ABORT, 'ex_guidance_session_worker_overlap');
END
"""  # noqa: S608  (constant text: event is INSERT or UPDATE)
    for event in ("INSERT", "UPDATE")
]


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "session_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_local", sa.Time(), nullable=False),
        sa.Column("end_local", sa.Time(), nullable=False),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("breaks", sa.String(length=500), nullable=False),
        sa.Column("booked_slots", sa.Boolean(), nullable=False),
        sa.Column("walk_in_start", sa.Time(), nullable=True),
        sa.Column("walk_in_end", sa.Time(), nullable=True),
        sa.Column("walk_in_capacity", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("generated_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "guidance_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("walk_in_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("walk_in_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("walk_in_capacity", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("starts_at < ends_at", name="ck_guidance_session_order"),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["session_rule.id"],
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "local_date", name="uq_guidance_session_rule_day"),
    )
    op.create_index(
        "ix_guidance_session_station_start", "guidance_session", ["station_id", "starts_at"], unique=False
    )
    op.create_index(
        "ix_guidance_session_worker_start", "guidance_session", ["worker_id", "starts_at"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(PG_NO_OVERLAP)
    else:
        for statement in SQLITE_NO_OVERLAP:
            op.execute(statement)
    op.create_table(
        "slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name="ck_slot_order"),
        sa.ForeignKeyConstraint(["session_id"], ["guidance_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "starts_at", name="uq_slot_session_start"),
    )
    op.create_index("ix_slot_station_start", "slot", ["station_id", "starts_at"], unique=False)
    op.create_table(
        "walk_in_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("referrer", sa.String(length=8), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["called_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(["session_id"], ["guidance_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "number", name="uq_walk_in_place_number"),
    )
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=36), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("referrer", sa.String(length=8), nullable=False),
        sa.Column("booked_by", sa.Integer(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=True),
        sa.Column("client_name", sa.Text(), nullable=False),
        sa.Column("client_phone", sa.Text(), nullable=True),
        sa.Column("client_age", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("preferred_language", sa.String(length=2), nullable=False),
        sa.Column("interpreter_needed", sa.Boolean(), nullable=False),
        sa.Column("existing_relationship", sa.String(length=8), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=12), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("late_cancellation", sa.Boolean(), nullable=False),
        sa.Column("rescheduled_from", sa.Integer(), nullable=True),
        sa.Column("orphaned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("orphan_resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.ForeignKeyConstraint(
            ["rescheduled_from"],
            ["booking.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["guidance_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booked_by", "idempotency_key", name="uq_booking_idempotency"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_booking_booked_by", "booking", ["booked_by", "starts_at"], unique=False)
    op.create_index("ix_booking_worker_start", "booking", ["worker_id", "starts_at"], unique=False)
    op.create_index(
        "uq_booking_slot_holding",
        "booking",
        ["slot_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('booked', 'arrived', 'checked-in', 'fulfilled', 'noshow')"),
        postgresql_where=sa.text("status IN ('booked', 'arrived', 'checked-in', 'fulfilled', 'noshow')"),
    )
    op.create_table(
        "slot_hold",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["slot_id"], ["slot.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("slot_id"),
        sa.UniqueConstraint("hold_id"),
    )
    op.create_table(
        "booking_reason",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("booking_id", "code"),
    )
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("walk_in_id", sa.Integer(), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referrer", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("shl_notification_to", sa.String(length=200), nullable=True),
        sa.Column("network_meeting_coordinated", sa.Boolean(), nullable=False),
        sa.Column("follow_up_needed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("(booking_id IS NULL) <> (walk_in_id IS NULL)", name="ck_visit_one_source"),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
        ),
        sa.ForeignKeyConstraint(
            ["walk_in_id"],
            ["walk_in_place.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id"),
        sa.UniqueConstraint("walk_in_id"),
    )
    op.create_index("ix_visit_municipality_at", "visit", ["municipality_code", "occurred_at"], unique=False)
    op.create_table(
        "visit_referral",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("visit_id", "target"),
    )
    op.create_table(
        "visit_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE guidance_session DROP CONSTRAINT ex_guidance_session_worker_overlap")
    else:
        op.execute("DROP TRIGGER tr_guidance_session_no_overlap_insert")
        op.execute("DROP TRIGGER tr_guidance_session_no_overlap_update")
    op.drop_table("visit_revision")
    op.drop_table("visit_referral")
    op.drop_index("ix_visit_municipality_at", table_name="visit")
    op.drop_table("visit")
    op.drop_table("booking_reason")
    op.drop_table("slot_hold")
    op.drop_index("uq_booking_slot_holding", table_name="booking")
    op.drop_index("ix_booking_worker_start", table_name="booking")
    op.drop_index("ix_booking_booked_by", table_name="booking")
    op.drop_table("booking")
    op.drop_table("walk_in_place")
    op.drop_index("ix_slot_station_start", table_name="slot")
    op.drop_table("slot")
    op.drop_index("ix_guidance_session_worker_start", table_name="guidance_session")
    op.drop_index("ix_guidance_session_station_start", table_name="guidance_session")
    op.drop_table("guidance_session")
    op.drop_table("session_rule")
    op.drop_table("absence")
