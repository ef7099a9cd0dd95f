"""staff sign in through their county's OpenID Connect provider

Revision ID: 0019_oidc_sign_in
Revises: 0018_seal_free_text
Create Date: 2026-12-07

``user_identity`` links an account to the provider's issuer and subject (a first sign-in
creates it); ``sign_in_request`` holds a sign-in sent to a provider until it comes back, so
its ``state`` is used once on whichever instance the browser returns to (and, when a
signed-in user connects her existing account, whose account it is: ``link_user_id``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_oidc_sign_in"
down_revision = "0018_seal_free_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_user_identity_subject"),
    )
    op.create_index("ix_user_identity_user_id", "user_identity", ["user_id"])
    op.create_table(
        "sign_in_request",
        sa.Column("state_digest", sa.String(64), primary_key=True),
        sa.Column("browser_digest", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("next_path", sa.String(500), nullable=False),
        sa.Column(
            "link_user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_request_created_at", "sign_in_request", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_request_created_at", table_name="sign_in_request")
    op.drop_table("sign_in_request")
    op.drop_index("ix_user_identity_user_id", table_name="user_identity")
    op.drop_table("user_identity")
