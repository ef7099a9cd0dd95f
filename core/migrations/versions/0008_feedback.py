"""feedback: used client links, anonymous responses and answers, staff-survey respondents

Revision ID: 0008_feedback
Revises: 0007_calendars
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_feedback"
down_revision = "0007_calendars"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_link_used",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )

    op.create_table(
        "feedback_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("station_key", sa.String(length=64), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "audience IN ('client_visit', 'staff_survey', 'rehab')", name="ck_feedback_response_audience"
        ),
        sa.CheckConstraint("form_version >= 1", name="ck_feedback_response_version"),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_response_scope", ["municipality_code", "submitted_on"], unique=False
        )

    op.create_table(
        "feedback_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=64), nullable=True),
        sa.Column("free_text", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN number IS NULL THEN 0 ELSE 1 END) + (CASE WHEN choice IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN free_text IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_feedback_answer_one_value",
        ),
        sa.ForeignKeyConstraint(["response_id"], ["feedback_response.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_answer", schema=None) as batch_op:
        batch_op.create_index("uq_feedback_answer_question", ["response_id", "question_key"], unique=True)

    op.create_table(
        "feedback_respondent",
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("survey_year", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_key", "survey_year", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("feedback_respondent")
    with op.batch_alter_table("feedback_answer", schema=None) as batch_op:
        batch_op.drop_index("uq_feedback_answer_question")
    op.drop_table("feedback_answer")
    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_response_scope")
    op.drop_table("feedback_response")
    op.drop_table("feedback_link_used")
