"""stated reasons to open a client's data without a client relationship

Revision ID: 0013_client_access_grant
Revises: 0012_county_organisation
Create Date: 2026-12-07

A user without a client relationship states a reason (a code from a list and
free text, sealed) to open a client's data; it holds for a few hours, and each
use under it is logged with the reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_client_access_grant"
down_revision = "0012_county_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_access_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client_record.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_client_access_grant_user_client",
        "client_access_grant",
        ["user_id", "client_id", "until"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_client_access_grant_user_client", table_name="client_access_grant")
    op.drop_table("client_access_grant")
