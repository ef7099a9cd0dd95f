"""client records

Revision ID: 0003_client_records
Revises: 0002_scheduling
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_client_records"
down_revision = "0002_scheduling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("identity_code", sa.Text(), nullable=True),
        sa.Column("identity_index", sa.String(length=64), nullable=True),
        sa.Column("temporary_identity", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
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
        sa.UniqueConstraint("municipality_code", "identity_index", name="uq_client_identity"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a referencing column in place when its default is NULL;
        # Alembic would insist on rebuilding the table (and its partial index)
        op.execute("ALTER TABLE booking ADD COLUMN client_id INTEGER REFERENCES client_record (id)")
    else:
        op.add_column(
            "booking", sa.Column("client_id", sa.Integer(), sa.ForeignKey("client_record.id"), nullable=True)
        )
    op.create_index("ix_booking_client_id", "booking", ["client_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_booking_client_id", table_name="booking")
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("client_id")
    op.drop_table("client_record")
