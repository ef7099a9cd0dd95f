"""indexes for the menu's counts of new consultation messages

Revision ID: 0016_consultation_news_indexes
Revises: 0015_absence_undo
Create Date: 2026-12-07

Every page a member of staff opens counts the consultations with something new for her
(core/consultations/service.py, ``news_count``): the ones she asked, the ones addressed to
her, and whether a message lies beyond what she has read. Without these indexes each count
reads every message of every consultation (no index covered ``consultation_id``).
"""

from __future__ import annotations

from alembic import op

revision = "0016_consultation_news_indexes"
down_revision = "0015_absence_undo"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_consultation_message_consultation", "consultation_message", ["consultation_id", "id"])
    op.create_index("ix_consultation_asked_by", "consultation", ["asked_by"])
    op.create_index("ix_consultation_to_worker", "consultation", ["to_worker_id"])


def downgrade() -> None:
    op.drop_index("ix_consultation_to_worker", table_name="consultation")
    op.drop_index("ix_consultation_asked_by", table_name="consultation")
    op.drop_index("ix_consultation_message_consultation", table_name="consultation_message")
