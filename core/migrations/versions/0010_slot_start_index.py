"""slot start index: the soonest free slots across a municipality's stations in order

Revision ID: 0010_slot_start_index
Revises: 0009_statistics
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0010_slot_start_index"
down_revision = "0009_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without it PostgreSQL read every free slot of the period (thousands) and
    # sorted them to return 20; with it, it reads slots in time order and stops.
    op.create_index("ix_slot_start", "slot", ["starts_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slot_start", table_name="slot")
