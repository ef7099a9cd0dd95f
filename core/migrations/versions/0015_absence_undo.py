"""an absence keeps what it cancelled, so that it can be undone

Revision ID: 0015_absence_undo
Revises: 0014_walk_in_arrivals
Create Date: 2026-12-07

``absence_session`` and ``absence_booking`` name the sessions and bookings an
absence cancelled (or, for a session it covers in part, closed), each with
what undoing the absence did with it; the absence says whether and by whom
it was undone. Absences recorded before this revision kept no such list:
``tracked`` is false for them and they cannot be undone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_absence_undo"
down_revision = "0014_walk_in_arrivals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("absence") as batch:
        batch.add_column(sa.Column("tracked", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("undone_by", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_absence_undone_by", "user_account", ["undone_by"], ["id"])
    op.create_table(
        "absence_session",
        sa.Column(
            "absence_id", sa.Integer(), sa.ForeignKey("absence.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("guidance_session.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("undo_outcome", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("absence_id", "session_id"),
    )
    op.create_table(
        "absence_booking",
        sa.Column(
            "absence_id", sa.Integer(), sa.ForeignKey("absence.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "booking_id", sa.Integer(), sa.ForeignKey("booking.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("undo_outcome", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("absence_id", "booking_id"),
    )
    op.create_index("ix_absence_booking_booking_id", "absence_booking", ["booking_id"])


def downgrade() -> None:
    op.drop_index("ix_absence_booking_booking_id", table_name="absence_booking")
    op.drop_table("absence_booking")
    op.drop_table("absence_session")
    with op.batch_alter_table("absence") as batch:
        batch.drop_constraint("fk_absence_undone_by", type_="foreignkey")
        batch.drop_column("undone_by")
        batch.drop_column("undone_at")
        batch.drop_column("tracked")
