"""statistics: imported monthly figures and covering indexes for the reports

Revision ID: 0009_statistics
Revises: 0008_feedback
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_statistics"
down_revision = "0008_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statistic_history",
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value >= 0", name="ck_statistic_history_value"),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.PrimaryKeyConstraint("municipality_code", "month", "measure", "category"),
    )
    op.create_table(
        "statistic_rollup",
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.PrimaryKeyConstraint("municipality_code", "month", "measure", "category"),
    )
    op.create_table(
        "statistic_rollup_month",
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.PrimaryKeyConstraint("municipality_code", "month"),
    )
    op.create_table(
        "statistic_rollup_state",
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.PrimaryKeyConstraint("municipality_code"),
    )
    op.create_index("ix_booking_changed", "booking", ["municipality_code", "updated_at"], unique=False)
    op.create_index("ix_visit_changed", "visit", ["municipality_code", "recorded_at"], unique=False)
    # the statistics index starts with the old one's columns, so it serves its reads too
    op.drop_index("ix_visit_municipality_at", table_name="visit")
    op.create_index(
        "ix_visit_statistics",
        "visit",
        ["municipality_code", "occurred_at", "outcome", "referrer", "topic"],
        unique=False,
    )
    op.create_index(
        "ix_booking_rescheduled_from",
        "booking",
        ["rescheduled_from"],
        unique=False,
        sqlite_where=sa.text("rescheduled_from IS NOT NULL"),
        postgresql_where=sa.text("rescheduled_from IS NOT NULL"),
    )
    op.create_index(
        "ix_booking_referrals",
        "booking",
        ["municipality_code", "booked_at", "referrer", "rescheduled_from", "status"],
        unique=False,
    )
    op.create_index(
        "ix_booking_cancellations",
        "booking",
        ["municipality_code", "status", "starts_at", "late_cancellation"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_visit_changed", table_name="visit")
    op.drop_index("ix_booking_changed", table_name="booking")
    op.drop_table("statistic_rollup_state")
    op.drop_table("statistic_rollup_month")
    op.drop_table("statistic_rollup")
    op.drop_index("ix_booking_cancellations", table_name="booking")
    op.drop_index("ix_booking_referrals", table_name="booking")
    op.drop_index("ix_booking_rescheduled_from", table_name="booking")
    op.drop_index("ix_visit_statistics", table_name="visit")
    op.create_index("ix_visit_municipality_at", "visit", ["municipality_code", "occurred_at"], unique=False)
    op.drop_table("statistic_history")
