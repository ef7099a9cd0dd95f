"""the wellbeing services county as the organising unit

Revision ID: 0012_county_organisation
Revises: 0011_access_log_chain
Create Date: 2026-12-07

Units of a county employ workers; a worker serves municipalities and stations
of their own county; a station stands in one municipality of its county; one
person is one client record per county. The database enforces each "of its
own county" with a composite foreign key through ``(…, county_code)``.

Existing data moves as follows:
- each county with workers gets one unit, ``county-<code>`` ("<county>:
  sosiaalihuolto"), which its admins can rename or split; every worker joins
  it and serves the municipality it belonged to;
- client records of one county with the same identity-code index merge into
  the oldest one; every row that referred to a merged record refers to the
  kept one, and ``client_alias`` remembers the merged number, because the
  access log is hash-chained and is never rewritten (the client's access
  report reads its entries under every number);
- a consent to a municipality's social care becomes a consent to its county's
  social care (the recipient is the county code); where a merge leaves two
  live consents of one scope to one county, the newest stays live and the
  others end at the migration (``withdrawn_by`` empty).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012_county_organisation"
down_revision = "0011_access_log_chain"
branch_labels = None
depends_on = None

#: tables whose rows point at a client record (merged records are re-pointed)
CLIENT_REFERENCES = (
    "booking",
    "consultation",
    "shl_notification",
    "service_decision",
    "intensive_period",
    "consent",
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "service_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("county_code", sa.String(length=2), nullable=False),
        sa.Column("name_fi", sa.String(length=200), nullable=False),
        sa.Column("name_sv", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["county_code"], ["county.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("id", "county_code", name="uq_service_unit_county"),
    )
    op.create_index("ix_service_unit_county_code", "service_unit", ["county_code"], unique=False)
    with op.batch_alter_table("municipality") as batch:
        batch.create_unique_constraint("uq_municipality_county", ["code", "county_code"])

    _stations()
    _workers(bind)
    op.create_table(
        "organisation_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("county_code", sa.String(length=2), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["county_code"], ["county.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_organisation_change_county_code", "organisation_change", ["county_code"], unique=False
    )
    _clients(bind)


def _stations() -> None:
    with op.batch_alter_table("station") as batch:
        batch.add_column(sa.Column("county_code", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("address_sv", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=False, server_default=""))
        batch.add_column(sa.Column("provider", sa.String(length=200), nullable=False, server_default=""))
    op.execute(
        "UPDATE station SET county_code = "
        "(SELECT m.county_code FROM municipality m WHERE m.code = station.municipality_code)"
    )
    with op.batch_alter_table("station") as batch:
        batch.alter_column("county_code", existing_type=sa.String(length=2), nullable=False)
        for column in ("address_sv", "phone", "provider"):
            batch.alter_column(column, server_default=None)
        batch.create_unique_constraint("uq_station_county", ["id", "county_code"])
        batch.create_foreign_key(
            "fk_station_municipality_county",
            "municipality",
            ["municipality_code", "county_code"],
            ["code", "county_code"],
        )


def _workers(bind: sa.Connection) -> None:
    counties = bind.execute(
        sa.text(
            "SELECT DISTINCT c.code, c.name_fi, c.name_sv FROM worker w "
            "JOIN municipality m ON m.code = w.municipality_code JOIN county c ON c.code = m.county_code"
        )
    ).all()
    for code, name_fi, name_sv in counties:
        bind.execute(
            sa.text(
                "INSERT INTO service_unit (key, county_code, name_fi, name_sv, active) "
                "VALUES (:key, :code, :fi, :sv, :active)"
            ),
            {
                "key": f"county-{code}",
                "code": code,
                "fi": f"{name_fi}: sosiaalihuolto",
                "sv": f"{name_sv}: socialvården",
                "active": True,
            },
        )
    with op.batch_alter_table("worker") as batch:
        batch.add_column(sa.Column("county_code", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(
        "UPDATE worker SET county_code = "
        "(SELECT m.county_code FROM municipality m WHERE m.code = worker.municipality_code)"
    )
    op.execute(
        "UPDATE worker SET unit_id = "
        "(SELECT u.id FROM service_unit u WHERE u.key = 'county-' || worker.county_code)"
    )
    with op.batch_alter_table("worker") as batch:
        batch.alter_column("county_code", existing_type=sa.String(length=2), nullable=False)
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("active", server_default=None)
        batch.create_unique_constraint("uq_worker_county", ["id", "county_code"])
        batch.create_foreign_key("fk_worker_county", "county", ["county_code"], ["code"])
        batch.create_foreign_key("fk_worker_unit", "service_unit", ["unit_id"], ["id"])
        batch.create_foreign_key(
            "fk_worker_unit_county", "service_unit", ["unit_id", "county_code"], ["id", "county_code"]
        )
        batch.create_index("ix_worker_county_code", ["county_code"], unique=False)
        batch.create_index("ix_worker_unit_id", ["unit_id"], unique=False)
    op.create_table(
        "worker_municipality",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("county_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id", "county_code"],
            ["worker.id", "worker.county_code"],
            name="fk_worker_municipality_worker",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code", "county_code"],
            ["municipality.code", "municipality.county_code"],
            name="fk_worker_municipality_municipality",
        ),
        sa.PrimaryKeyConstraint("worker_id", "municipality_code"),
    )
    op.create_index(
        "ix_worker_municipality_municipality_code", "worker_municipality", ["municipality_code"], unique=False
    )
    op.execute(
        "INSERT INTO worker_municipality (worker_id, municipality_code, county_code) "
        "SELECT id, municipality_code, county_code FROM worker"
    )
    with op.batch_alter_table("worker") as batch:
        batch.drop_index("ix_worker_municipality_code")
        batch.drop_column("municipality_code")
    op.create_table(
        "worker_station",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id", "county_code"],
            ["worker.id", "worker.county_code"],
            name="fk_worker_station_worker",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id", "county_code"],
            ["station.id", "station.county_code"],
            name="fk_worker_station_station",
        ),
        sa.PrimaryKeyConstraint("worker_id", "station_id"),
    )
    op.create_index("ix_worker_station_station_id", "worker_station", ["station_id"], unique=False)


def _clients(bind: sa.Connection) -> None:
    with op.batch_alter_table("client_record") as batch:
        batch.add_column(sa.Column("county_code", sa.String(length=2), nullable=True))
    op.execute(
        "UPDATE client_record SET county_code = "
        "(SELECT m.county_code FROM municipality m WHERE m.code = client_record.municipality_code)"
    )
    op.create_table(
        "client_alias",
        sa.Column("old_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client_record.id"]),
        sa.PrimaryKeyConstraint("old_id"),
    )
    op.create_index("ix_client_alias_client_id", "client_alias", ["client_id"], unique=False)
    now = datetime.now(UTC)
    merged = _merge_duplicate_clients(bind)
    _end_doubled_consents(bind, merged, now)
    for old_id, kept in merged.items():
        for table in CLIENT_REFERENCES:
            bind.execute(
                sa.text(f"UPDATE {table} SET client_id = :kept WHERE client_id = :old"),  # noqa: S608 - fixed names
                {"kept": kept, "old": old_id},
            )
        bind.execute(
            sa.text("INSERT INTO client_alias (old_id, client_id) VALUES (:old, :kept)"),
            {"old": old_id, "kept": kept},
        )
        bind.execute(sa.text("DELETE FROM client_record WHERE id = :old"), {"old": old_id})
    # a consent to a municipality's social care is now one to its county's
    op.execute(
        "UPDATE consent SET recipient = (SELECT m.county_code FROM municipality m WHERE m.code = consent.recipient) "
        "WHERE recipient IN (SELECT code FROM municipality)"
    )
    with op.batch_alter_table("client_record") as batch:
        batch.alter_column("county_code", existing_type=sa.String(length=2), nullable=False)
        batch.drop_constraint("uq_client_identity", type_="unique")
        batch.create_unique_constraint("uq_client_county_identity", ["county_code", "identity_index"])
        batch.create_foreign_key("fk_client_county", "county", ["county_code"], ["code"])
        batch.create_foreign_key(
            "fk_client_municipality_county",
            "municipality",
            ["municipality_code", "county_code"],
            ["code", "county_code"],
        )


def _merge_duplicate_clients(bind: sa.Connection) -> dict[int, int]:
    """Merged record number → the kept one (the oldest of the county's records of a person)."""
    rows = bind.execute(
        sa.text(
            "SELECT county_code, identity_index, id FROM client_record "
            "WHERE identity_index IS NOT NULL ORDER BY county_code, identity_index, id"
        )
    ).all()
    merged: dict[int, int] = {}
    kept: dict[tuple[str, str], int] = {}
    for county, index, client_id in rows:
        first = kept.setdefault((county, index), client_id)
        if first != client_id:
            merged[client_id] = first
    doubled = bind.execute(
        sa.text("SELECT client_id, service FROM intensive_period WHERE ended_on IS NULL")
    ).all()
    active: set[tuple[int, str]] = set()
    for client_id, service in doubled:
        key = (merged.get(client_id, client_id), service)
        if key in active:
            raise RuntimeError(
                f"client record {client_id} has an active intensive period of {service!r} while another "
                "record of the same person in the same county has one too: end one of them, then migrate"
            )
        active.add(key)
    return merged


def _end_doubled_consents(bind: sa.Connection, merged: dict[int, int], now: datetime) -> None:
    """Where merging leaves two live consents of one scope to one county, keep the newest."""
    recipients: dict[str, str] = dict(
        bind.execute(sa.text("SELECT code, county_code FROM municipality")).all()
    )
    live = bind.execute(
        sa.text(
            "SELECT id, client_id, scope, recipient FROM consent WHERE withdrawn_at IS NULL "
            "ORDER BY recorded_at DESC, id DESC"
        )
    ).all()
    seen: set[tuple[int, str, str]] = set()
    for consent_id, client_id, scope, recipient in live:
        key = (merged.get(client_id, client_id), scope, recipients.get(recipient, recipient))
        if key in seen:
            bind.execute(
                sa.text("UPDATE consent SET withdrawn_at = :now WHERE id = :id"),
                {"now": now, "id": consent_id},
            )
        seen.add(key)


def downgrade() -> None:
    # Merged records stay merged (each keeps its home municipality); consents to
    # a county go back to the client's home municipality.
    op.execute(
        "UPDATE consent SET recipient = (SELECT c.municipality_code FROM client_record c "
        "WHERE c.id = consent.client_id) WHERE recipient IN (SELECT code FROM county)"
    )
    with op.batch_alter_table("client_record") as batch:
        batch.drop_constraint("fk_client_municipality_county", type_="foreignkey")
        batch.drop_constraint("fk_client_county", type_="foreignkey")
        batch.drop_constraint("uq_client_county_identity", type_="unique")
        batch.create_unique_constraint("uq_client_identity", ["municipality_code", "identity_index"])
        batch.drop_column("county_code")
    op.drop_index("ix_client_alias_client_id", table_name="client_alias")
    op.drop_table("client_alias")
    op.drop_index("ix_organisation_change_county_code", table_name="organisation_change")
    op.drop_table("organisation_change")
    op.drop_index("ix_worker_station_station_id", table_name="worker_station")
    op.drop_table("worker_station")
    with op.batch_alter_table("worker") as batch:
        batch.add_column(sa.Column("municipality_code", sa.String(length=3), nullable=True))
    op.execute(
        "UPDATE worker SET municipality_code = COALESCE("
        "(SELECT min(wm.municipality_code) FROM worker_municipality wm WHERE wm.worker_id = worker.id), "
        "(SELECT min(m.code) FROM municipality m WHERE m.county_code = worker.county_code))"
    )
    op.drop_index("ix_worker_municipality_municipality_code", table_name="worker_municipality")
    op.drop_table("worker_municipality")
    with op.batch_alter_table("worker") as batch:
        batch.alter_column("municipality_code", existing_type=sa.String(length=3), nullable=False)
        batch.create_foreign_key("fk_worker_municipality", "municipality", ["municipality_code"], ["code"])
        batch.create_index("ix_worker_municipality_code", ["municipality_code"], unique=False)
        batch.drop_index("ix_worker_unit_id")
        batch.drop_index("ix_worker_county_code")
        batch.drop_constraint("fk_worker_unit_county", type_="foreignkey")
        batch.drop_constraint("fk_worker_unit", type_="foreignkey")
        batch.drop_constraint("fk_worker_county", type_="foreignkey")
        batch.drop_constraint("uq_worker_county", type_="unique")
        batch.drop_column("active")
        batch.drop_column("unit_id")
        batch.drop_column("county_code")
    with op.batch_alter_table("station") as batch:
        batch.drop_constraint("fk_station_municipality_county", type_="foreignkey")
        batch.drop_constraint("uq_station_county", type_="unique")
        batch.drop_column("provider")
        batch.drop_column("phone")
        batch.drop_column("address_sv")
        batch.drop_column("county_code")
    with op.batch_alter_table("municipality") as batch:
        batch.drop_constraint("uq_municipality_county", type_="unique")
    op.drop_index("ix_service_unit_county_code", table_name="service_unit")
    op.drop_table("service_unit")
