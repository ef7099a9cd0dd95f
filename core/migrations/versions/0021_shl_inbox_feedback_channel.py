"""SHL notifications reach their receiver; feedback given orally or on paper

Revision ID: 0021_shl_inbox_feedback_channel
Revises: 0020_message_outbox
Create Date: 2026-12-07

``shl_receiver`` says, per county, which intake unit of social care receives its SHL §35
notifications (and, optionally, the unit's secure e-mail address). A notification now names
its receiving unit (``to_unit_id``) and its ground as a code (``ground``: consent,
cannot_look_after_self, child_interest); ``shl_status_change`` records who moved it on and
when. Notifications made before have neither: they stay readable where they were, in no
unit's inbox.

``feedback_response.channel`` says how a client's answers came: ``link`` (every response so far),
or entered by the instructor from what the client said (``oral``) or wrote on paper (``paper``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_shl_inbox_feedback_channel"
down_revision = "0020_message_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shl_receiver",
        sa.Column("county_code", sa.String(2), sa.ForeignKey("county.code"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("secure_email", sa.String(254), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id", "county_code"],
            ["service_unit.id", "service_unit.county_code"],
            name="fk_shl_receiver_unit_county",
        ),
    )
    with op.batch_alter_table("shl_notification") as batch:
        batch.add_column(sa.Column("to_unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ground", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_shl_notification_unit", "service_unit", ["to_unit_id"], ["id"])
        batch.create_index("ix_shl_notification_unit_status", ["to_unit_id", "status", "created_at"])
        batch.create_index("ix_shl_notification_from_user", ["from_user", "created_at"])
    op.create_table(
        "shl_status_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("shl_notification.id"), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("by_user", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_shl_status_change_notification", "shl_status_change", ["notification_id", "id"])
    with op.batch_alter_table("feedback_response") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False, server_default="link"))
        batch.create_check_constraint("ck_feedback_response_channel", "channel IN ('link', 'oral', 'paper')")


def downgrade() -> None:
    with op.batch_alter_table("feedback_response") as batch:
        batch.drop_constraint("ck_feedback_response_channel", type_="check")
        batch.drop_column("channel")
    op.drop_index("ix_shl_status_change_notification", table_name="shl_status_change")
    op.drop_table("shl_status_change")
    with op.batch_alter_table("shl_notification") as batch:
        batch.drop_index("ix_shl_notification_from_user")
        batch.drop_index("ix_shl_notification_unit_status")
        batch.drop_constraint("fk_shl_notification_unit", type_="foreignkey")
        batch.drop_column("ground")
        batch.drop_column("to_unit_id")
    op.drop_table("shl_receiver")
