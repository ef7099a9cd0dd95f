"""calendars

Revision ID: 0007_calendars
Revises: 0006_intensive_rehabilitation
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_calendars"
down_revision = "0006_intensive_rehabilitation"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "feed_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("feed", sa.String(length=16), nullable=False),
        sa.Column("privacy", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("feed_subscription", schema=None) as batch_op:
        batch_op.create_index("ix_feed_subscription_user", ["user_id"], unique=False)

    op.create_table(
        "external_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("busy_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("external_calendar", schema=None) as batch_op:
        batch_op.create_index("ix_external_calendar_worker", ["worker_id"], unique=False)

    op.create_table(
        "worker_busy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name="ck_worker_busy_order"),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("worker_busy", schema=None) as batch_op:
        batch_op.create_index("ix_worker_busy_source", ["source"], unique=False)
        batch_op.create_index("ix_worker_busy_worker_start", ["worker_id", "starts_at"], unique=False)

    # plain ALTERs, not batch mode: rebuilding guidance_session on SQLite would drop its overlap triggers
    op.add_column("guidance_session", sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
    op.add_column("guidance_session", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    op.execute("ALTER TABLE guidance_session DROP COLUMN updated_at")
    op.execute("ALTER TABLE guidance_session DROP COLUMN sequence")

    with op.batch_alter_table("worker_busy", schema=None) as batch_op:
        batch_op.drop_index("ix_worker_busy_worker_start")
        batch_op.drop_index("ix_worker_busy_source")

    op.drop_table("worker_busy")
    with op.batch_alter_table("external_calendar", schema=None) as batch_op:
        batch_op.drop_index("ix_external_calendar_worker")

    op.drop_table("external_calendar")
    with op.batch_alter_table("feed_subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_subscription_user")

    op.drop_table("feed_subscription")
