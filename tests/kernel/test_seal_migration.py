"""Migration 0018 seals the free text that was stored in plaintext until 0017.

The database is stepped down to 0017 and given one row of each table whose column 0018 seals,
with a recognisable text in that column (and the rows those rows refer to, made up from the
schema), then upgraded with the data keys. Runs on PostgreSQL too (.ci/run).
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine, text

from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.key_rotation import SEALED_COLUMNS
from sotesilta.core.kernel.sealing import Sealer, generate_key, parse_keyring

MIGRATION = importlib.import_module("sotesilta.core.migrations.versions.0018_seal_free_text")
# Alembic loads the revision again under a name of its own, so its SealingUnavailable is
# another class than MIGRATION's: the tests catch its base, MigrationError, by message
BEFORE = "0017_security_event_address"
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _plain(table: str, column: str) -> str:
    if (table, column) == ("visit_revision", "snapshot"):
        return json.dumps({"outcome": "realised", "shl_notification_to": "Ville Vallaton, sosiaalitoimi"})
    return f"Ville Vallaton ({table}.{column})"


class _Filler:
    """Makes one row of a table in the schema as it is, and first the rows it refers to."""

    def __init__(self, connection: Connection, given: dict[str, dict[str, Any]]) -> None:
        self.connection, self.given = connection, given
        self.schema = sa.MetaData()
        self.schema.reflect(connection)
        self.made: dict[str, dict[str, Any]] = {}

    def row(self, name: str) -> dict[str, Any]:
        if name in self.made:
            return self.made[name]
        table = self.schema.tables[name]
        values: dict[str, Any] = {}
        for fk in table.foreign_key_constraints:
            own = [c.name for c in fk.columns]
            if fk.referred_table.name == name or not any(not table.c[c].nullable for c in own):
                continue  # a self-reference or an optional one: left empty
            parent = self.row(fk.referred_table.name)
            for column, element in zip(own, fk.elements, strict=True):
                values[column] = parent[element.column.name]
        for column in table.columns:
            if column.name in values or (column.nullable and not column.primary_key):
                continue
            values[column.name] = self._value(column)
        values.update(self.given.get(name, {}))
        self.connection.execute(table.insert().values(values))
        self.made[name] = values
        return values

    @staticmethod
    def _value(column: sa.Column[Any]) -> Any:
        kind = column.type
        if isinstance(kind, sa.Boolean):
            return False
        if isinstance(kind, sa.Integer):
            return 1
        if isinstance(kind, sa.DateTime):  # every "starts_at < ends_at" holds
            return WHEN + timedelta(hours=1) if column.name.endswith("ends_at") else WHEN
        if isinstance(kind, sa.Date):  # every "starts_on <= planned_end <= max_end" holds
            return date(2026, 3, 2)
        if isinstance(kind, sa.String):
            return "x1"[: kind.length or 2]
        raise AssertionError(f"no made-up value for {column.table.name}.{column.name}: {kind!r}")


def _fill_at_0017(connection: Connection) -> None:
    given: dict[str, dict[str, Any]] = {
        "guidance_session": {"status": "cancelled"},
        "visit": {"booking_id": 1},
    }
    for table, column, _length, _nullable in MIGRATION.COLUMNS:
        given.setdefault(table, {})[column] = _plain(table, column)
    filler = _Filler(connection, given)
    for table, _column, _length, _nullable in MIGRATION.COLUMNS:
        filler.row(table)


def _stored(connection: Connection) -> dict[tuple[str, str], str]:
    return {
        (table, column): connection.scalar(text(f"SELECT {column} FROM {table}"))
        for table, column, _length, _nullable in MIGRATION.COLUMNS
    }


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(parse_keyring(f"m1:{generate_key()}"))


@pytest.fixture
def at_0017(database_url: str, sealer: Sealer):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    migrate.downgrade(engine, BEFORE)
    with engine.begin() as connection:
        _fill_at_0017(connection)
    yield engine
    # the shared PostgreSQL test database is emptied by the next test's fixture; leave it at head
    if not migrate.is_up_to_date(engine):
        migrate.upgrade(engine, sealer=sealer)
    engine.dispose()


def test_every_column_the_migration_seals_is_a_sealed_column():
    sealed = {(table, column) for table, _key, column in SEALED_COLUMNS}
    assert {(table, column) for table, column, _l, _n in MIGRATION.COLUMNS} <= sealed


def test_upgrading_seals_the_plaintext_and_it_opens_to_the_same_text(at_0017: Engine, sealer: Sealer):
    with at_0017.connect() as connection:
        assert _stored(connection) == {(t, c): _plain(t, c) for t, c, _l, _n in MIGRATION.COLUMNS}
    migrate.upgrade(at_0017, sealer=sealer)
    assert migrate.is_up_to_date(at_0017)
    with at_0017.connect() as connection:
        stored = _stored(connection)
        if at_0017.dialect.name == "sqlite":  # the table rebuild kept the overlap triggers
            triggers = connection.scalar(
                text(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'guidance_session'"
                )
            )
            assert triggers == 2
    for (table, column), value in stored.items():
        assert value.startswith("v1.m1."), (table, column)
        assert "Vallaton" not in value
        assert sealer.open(value, context=f"{table}.{column}") == _plain(table, column)


def test_stepping_down_opens_them_again(at_0017: Engine, sealer: Sealer):
    migrate.upgrade(at_0017, sealer=sealer)
    migrate.downgrade(at_0017, BEFORE, sealer=sealer)
    with at_0017.connect() as connection:
        assert _stored(connection) == {(t, c): _plain(t, c) for t, c, _l, _n in MIGRATION.COLUMNS}


def test_without_the_data_keys_the_upgrade_stops_and_changes_nothing(at_0017: Engine):
    with pytest.raises(migrate.MigrationError, match=r"absence\.reason holds text to seal"):
        migrate.upgrade(at_0017)
    assert migrate.current_revision(at_0017) == BEFORE
    with at_0017.connect() as connection:
        assert _stored(connection)[("booking", "cancel_reason")] == _plain("booking", "cancel_reason")
    # nor the schema: no table was rebuilt or widened (SQLite runs DDL before its first write
    # outside the transaction, so the migration checks every value first)
    schema = sa.inspect(at_0017)
    assert not [name for name in schema.get_table_names() if name.startswith("_alembic_tmp")]
    reason = {c["name"]: c["type"] for c in schema.get_columns("absence")}["reason"]
    assert isinstance(reason, sa.String) and reason.length == 200


def test_a_value_already_sealed_is_not_sealed_twice_and_a_foreign_one_stops_it(
    at_0017: Engine, sealer: Sealer
):
    # newer code may have written a sealed value before the migration ran
    already = sealer.seal("Ville Vallaton", context="booking.cancel_reason")
    with at_0017.begin() as connection:
        connection.execute(text("UPDATE booking SET cancel_reason = :v"), {"v": already})
    migrate.upgrade(at_0017, sealer=sealer)
    with at_0017.connect() as connection:
        assert _stored(connection)[("booking", "cancel_reason")] == already
    migrate.downgrade(at_0017, BEFORE, sealer=sealer)
    stranger = Sealer(parse_keyring(f"zz:{generate_key()}"))
    with at_0017.begin() as connection:
        foreign = stranger.seal("x", context="absence.reason")
        connection.execute(text("UPDATE absence SET reason = :v"), {"v": foreign})
    with pytest.raises(migrate.MigrationError, match=r"absence\.reason of row 1: .*'zz'"):
        migrate.upgrade(at_0017, sealer=sealer)
    assert migrate.current_revision(at_0017) == BEFORE
    assert not [name for name in sa.inspect(at_0017).get_table_names() if name.startswith("_alembic_tmp")]
    with at_0017.begin() as connection:  # so the fixture can leave the database at head
        connection.execute(text("UPDATE absence SET reason = 'x'"))
