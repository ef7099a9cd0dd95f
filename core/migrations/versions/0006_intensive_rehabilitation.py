"""intensive rehabilitation

Revision ID: 0006_intensive_rehabilitation
Revises: 0005_consultations
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_intensive_rehabilitation"
down_revision = "0005_consultations"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "rehab_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "group_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.CheckConstraint("starts_at < ends_at", name="ck_group_meeting_order"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["rehab_group.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "starts_at", name="uq_group_meeting_start"),
    )
    op.create_table(
        "group_worker",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["rehab_group.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("group_id", "worker_id"),
    )
    op.create_table(
        "service_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("decision_maker", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("valid_from <= valid_until", name="ck_service_decision_validity"),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_decision", schema=None) as batch_op:
        batch_op.create_index("ix_service_decision_client", ["client_id"], unique=False)

    op.create_table(
        "intensive_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("max_end", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("responsible_worker_id", sa.Integer(), nullable=False),
        sa.Column("co_worker_id", sa.Integer(), nullable=True),
        sa.Column("weekly_target", sa.Integer(), nullable=False),
        sa.Column("age_exception_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ended_on IS NULL OR (ended_on >= starts_on AND ended_on <= max_end)",
            name="ck_intensive_period_ended",
        ),
        sa.CheckConstraint("planned_end <= max_end", name="ck_intensive_period_max"),
        sa.CheckConstraint("starts_on <= planned_end", name="ck_intensive_period_order"),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["co_worker_id"],
            ["worker.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["service_decision.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.ForeignKeyConstraint(
            ["responsible_worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("intensive_period", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intensive_period_municipality_start", ["municipality_code", "starts_on"], unique=False
        )
        batch_op.create_index("ix_intensive_period_worker", ["responsible_worker_id"], unique=False)
        batch_op.create_index(
            "uq_intensive_period_active",
            ["client_id", "service"],
            unique=True,
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("group_meeting_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name="ck_contact_order"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_meeting_id"],
            ["group_meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["intensive_period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_meeting_id", "period_id", name="uq_contact_group_member"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_period_start", ["period_id", "starts_at"], unique=False)

    op.create_table(
        "group_member",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["rehab_group.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["intensive_period.id"],
        ),
        sa.PrimaryKeyConstraint("group_id", "period_id"),
    )
    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.String(length=16), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["intensive_period.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_id", "point", name="uq_measurement_period_point"),
    )
    op.create_table(
        "period_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("window", sa.String(length=8), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("useful", sa.String(length=8), nullable=False),
        sa.Column("towards_goals", sa.String(length=8), nullable=False),
        sa.Column("free_text", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("towards_goals IN ('yes', 'partly', 'no')", name="ck_period_feedback_goals"),
        sa.CheckConstraint("useful IN ('yes', 'partly', 'no')", name="ck_period_feedback_useful"),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["intensive_period.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_id", "window", name="uq_period_feedback_window"),
    )
    op.create_table(
        "period_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["period_goal.id"],
        ),
        sa.ForeignKeyConstraint(["period_id"], ["intensive_period.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "contact_worker",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["worker.id"],
        ),
        sa.PrimaryKeyConstraint("contact_id", "worker_id"),
    )
    with op.batch_alter_table("contact_worker", schema=None) as batch_op:
        batch_op.create_index("ix_contact_worker_worker", ["worker_id"], unique=False)

    op.create_table(
        "measurement_answer",
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.CheckConstraint("value BETWEEN 0 AND 10", name="ck_measurement_answer_range"),
        sa.ForeignKeyConstraint(["measurement_id"], ["measurement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("measurement_id", "item_key"),
    )


def downgrade() -> None:

    op.drop_table("measurement_answer")
    with op.batch_alter_table("contact_worker", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_worker_worker")

    op.drop_table("contact_worker")
    op.drop_table("period_goal")
    op.drop_table("period_feedback")
    op.drop_table("measurement")
    op.drop_table("group_member")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_period_start")

    op.drop_table("contact")
    with op.batch_alter_table("intensive_period", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_intensive_period_active",
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )
        batch_op.drop_index("ix_intensive_period_worker")
        batch_op.drop_index("ix_intensive_period_municipality_start")

    op.drop_table("intensive_period")
    with op.batch_alter_table("service_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_service_decision_client")

    op.drop_table("service_decision")
    op.drop_table("group_worker")
    op.drop_table("group_meeting")
    op.drop_table("rehab_group")
