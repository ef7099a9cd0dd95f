"""the login throttle counts failures per address too

Revision ID: 0017_security_event_address
Revises: 0016_consultation_news_indexes
Create Date: 2026-12-07

``ix_security_event_addr_at`` finds one address's recent failed logins (password spraying).
"""

from __future__ import annotations

from alembic import op

revision = "0017_security_event_address"
down_revision = "0016_consultation_news_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_security_event_addr_at", "security_event", ["remote_addr", "at"])


def downgrade() -> None:
    op.drop_index("ix_security_event_addr_at", table_name="security_event")
