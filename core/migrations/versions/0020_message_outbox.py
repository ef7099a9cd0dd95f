"""the message outbox: messages written in the transaction of the change that causes them;
a booking's consent to messages

Revision ID: 0020_message_outbox
Revises: 0019_oidc_sign_in
Create Date: 2026-12-07

``outbox_message`` holds each message until a ``sotesilta worker`` has delivered it: its
county, channel and kind, the sealed recipient, subject and body, and the delivery state
(status, attempts, when due, the lease a worker holds, the last error). The idempotency key
is unique, so a message enqueued twice is one message. A booking records the channel its client
agreed to messages by (``message_channel``; NULL: no messages) and, for e-mail, the address
(``client_email``, sealed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_message_outbox"
down_revision = "0019_oidc_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # what the client agreed to at booking: messages by SMS or e-mail (and the address, sealed)
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("client_email", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_channel", sa.String(length=8), nullable=True))
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(length=2), sa.ForeignKey("county.code"), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("about", sa.String(length=60), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'dead', 'withdrawn')", name="ck_outbox_message_status"
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_message_attempts"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_message_idempotency"),
    )
    op.create_index(
        "ix_outbox_message_due",
        "outbox_message",
        ["due_at"],
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_outbox_message_county", "outbox_message", ["county_code", "created_at"])
    op.create_index(
        "ix_outbox_message_about",
        "outbox_message",
        ["about"],
        sqlite_where=sa.text("about IS NOT NULL"),
        postgresql_where=sa.text("about IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_about", table_name="outbox_message")
    op.drop_index("ix_outbox_message_county", table_name="outbox_message")
    op.drop_index("ix_outbox_message_due", table_name="outbox_message")
    op.drop_table("outbox_message")
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("message_channel")
        batch.drop_column("client_email")
