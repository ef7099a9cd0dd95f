"""the public's way in: service texts, self-assessments and contact requests

Revision ID: 0023_public_intake
Revises: 0022_access_log_chainer
Create Date: 2026-12-07

``service_text`` holds admins' wording of a county's or station's service description per
text variant (fi, fi-x-selko, sv, en); ``self_assessment`` a filled questionnaire (answers
sealed); ``contact_request`` a member of the public's request to be contacted (contact
details sealed, the sender's address only as a keyed hash).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_public_intake"
down_revision = "0022_access_log_chainer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_text",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(2), sa.ForeignKey("county.code"), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("section", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_by", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
        ),
        sa.UniqueConstraint("county_code", "station_id", "variant", "section", name="uq_service_text"),
    )
    op.create_table(
        "self_assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(2), sa.ForeignKey("county.code"), nullable=False),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
    )
    op.create_index("ix_self_assessment_county_day", "self_assessment", ["county_code", "submitted_on"])
    op.create_table(
        "contact_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(2), sa.ForeignKey("county.code"), nullable=False),
        sa.Column(
            "station_id", sa.Integer(), sa.ForeignKey("station.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "self_assessment_id",
            sa.Integer(),
            sa.ForeignKey("self_assessment.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("reach_when", sa.Text(), nullable=True),
        sa.Column("address_digest", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("booking.id"), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status_changed_by",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('new', 'contacted', 'booked', 'closed')", name="ck_contact_request_status"
        ),
        sa.CheckConstraint("status <> 'booked' OR booking_id IS NOT NULL", name="ck_contact_request_booking"),
    )
    op.create_index(
        "ix_contact_request_county_status", "contact_request", ["county_code", "status", "created_at"]
    )
    op.create_index("ix_contact_request_address", "contact_request", ["address_digest", "status"])


def downgrade() -> None:
    op.drop_index("ix_contact_request_address", table_name="contact_request")
    op.drop_index("ix_contact_request_county_status", table_name="contact_request")
    op.drop_table("contact_request")
    op.drop_index("ix_self_assessment_county_day", table_name="self_assessment")
    op.drop_table("self_assessment")
    op.drop_table("service_text")
