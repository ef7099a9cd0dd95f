"""workers' calendar invitations: who wants them and where; the outbox's calendar part

Revision ID: 0024_calendar_invitations
Revises: 0023_public_intake
Create Date: 2026-12-07

``calendar_invitation_setting`` (the calendar plugin's) keeps, per user, whether their
bookings are sent to their own calendar as iMIP invitations, the (sealed) address, and what an
invitation shows (busy only or a pseudonym, as a feed) in which language. ``outbox_message``
gains ``calendar``: the sealed iCalendar object a message carries beside its body.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_calendar_invitations"
down_revision = "0023_public_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_invitation_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("privacy", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("calendar", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("calendar")
    op.drop_table("calendar_invitation_setting")
