"""walk-in arrivals: reasons, language, and a place in the line that can be given back

Revision ID: 0014_walk_in_arrivals
Revises: 0013_client_access_grant
Create Date: 2026-12-07

An arrival is registered with the reasons from the municipality's list and the
client's language. ``queued_at`` orders the waiting line, so that a called
client who did not answer goes back behind those waiting then; existing
arrivals queue by their registration. A called place whose outcome is already
recorded becomes ``seen``: it can no longer be put back in the line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_walk_in_arrivals"
down_revision = "0013_client_access_grant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("walk_in_place", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("walk_in_place", sa.Column("preferred_language", sa.String(length=2), nullable=True))
    op.create_table(
        "walk_in_reason",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["walk_in_place.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id", "code"),
    )
    op.execute("UPDATE walk_in_place SET queued_at = registered_at WHERE registered_at IS NOT NULL")
    op.execute(
        "UPDATE walk_in_place SET status = 'seen' WHERE status = 'called'"
        " AND EXISTS (SELECT 1 FROM visit WHERE visit.walk_in_id = walk_in_place.id)"
    )


def downgrade() -> None:
    op.execute("UPDATE walk_in_place SET status = 'called' WHERE status = 'seen'")
    op.drop_table("walk_in_reason")
    with op.batch_alter_table("walk_in_place") as batch:
        batch.drop_column("preferred_language")
        batch.drop_column("queued_at")
