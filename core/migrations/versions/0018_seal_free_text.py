"""free text that may name or describe a person is sealed

Revision ID: 0018_seal_free_text
Revises: 0017_security_event_address
Create Date: 2026-12-07

Cancel reasons (of bookings and of sessions), absence reasons, where an intensive
rehabilitation contact takes place (it may be the client's home), a service decision's
decision maker, to whom an SHL notification went (the notification's organisation and a
visit's ``shl_notification_to``) and a corrected visit's snapshot of the replaced values are
typed by staff and may name a person. They are sealed like the other personal fields
(``core/kernel/sealing.py``, associated data ``<table>.<column>``) and join
``SEALED_COLUMNS``, which key rotation walks. Sealed values are longer than the plain text, so
the columns become TEXT; the API still limits the plain text's length.

Sealing needs the data keys: ``migrate.upgrade(engine, sealer=...)`` passes them (the command
line passes the configured keyring). An upgrade that finds plaintext to seal without keys
stops before changing anything. A value that already opens under the keys is left as it is,
so a half-sealed column (values written by newer code) is finished, not sealed twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import context, op

from sotesilta.core.kernel.migrate import MigrationError

if TYPE_CHECKING:
    from sotesilta.core.kernel.sealing import Sealer

revision = "0018_seal_free_text"
down_revision = "0017_security_event_address"
branch_labels = None
depends_on = None

#: (table, column, its former VARCHAR length or None when it was TEXT already, nullable)
COLUMNS: tuple[tuple[str, str, int | None, bool], ...] = (
    ("absence", "reason", 200, False),
    ("booking", "cancel_reason", 500, True),
    ("contact", "place", 300, True),
    ("guidance_session", "cancel_reason", 200, True),
    ("service_decision", "decision_maker", 200, False),
    ("shl_notification", "to_organisation", 200, False),
    ("visit", "shl_notification_to", 200, True),
    ("visit_revision", "snapshot", None, False),
)
BATCH = 1000
_LOOKS_SEALED = re.compile(r"^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+$")


class SealingUnavailable(MigrationError):
    """Plaintext to seal (or sealed values to open) but no data keys, or not the right ones;
    the command line prints it as it prints every MigrationError."""


def _sealer() -> Sealer | None:
    found: Sealer | None = context.config.attributes.get("sealer")
    return found


def _rows(table: str, column: str) -> sa.TableClause:
    return sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.Text()))


def _rewrite(table: str, column: str, change: Callable[[int, str], str | None]) -> None:
    """Walk the column's non-null values by id, a batch at a time, and write back each value
    ``change`` returns (``None``: leave it)."""
    bind = op.get_bind()
    target = _rows(table, column)
    write = (
        sa.update(target).where(target.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")})
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(target.c.id, target.c[column])
            .where(target.c.id > last, target.c[column].is_not(None))
            .order_by(target.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = int(rows[-1][0])
        changed = [
            {"row_id": int(row_id), "value": new}
            for row_id, value in rows
            if (new := change(int(row_id), str(value))) is not None
        ]
        if changed:
            bind.execute(write, changed)


def _sealing(
    sealer: Sealer | None, table: str, column: str, *, write: bool = True
) -> Callable[[int, str], str | None]:
    """Seal a plaintext value; leave one that already opens (written by newer code); stop at
    one that looks sealed under a key not configured, which sealing again would bury. With
    ``write=False`` only check that every value can be dealt with."""
    from sotesilta.core.kernel.sealing import SealingError

    where = f"{table}.{column}"

    def seal(row_id: int, value: str) -> str | None:
        if sealer is None:
            raise SealingUnavailable(
                f"{where} holds text to seal: upgrade with the data keys "
                "(`sotesilta db upgrade` passes SOTESILTA_DATA_KEYS or the data folder's data.keys)"
            )
        try:
            sealer.open(value, context=where)
        except SealingError as exc:
            if _LOOKS_SEALED.match(value):
                raise SealingUnavailable(f"{where} of row {row_id}: {exc}") from None
            return sealer.seal(value, context=where) if write else None
        return None

    return seal


def _opening(
    sealer: Sealer | None, table: str, column: str, *, write: bool = True
) -> Callable[[int, str], str | None]:
    from sotesilta.core.kernel.sealing import SealingError

    where = f"{table}.{column}"

    def open_(row_id: int, value: str) -> str | None:
        if sealer is None:
            raise SealingUnavailable(f"{where} holds sealed text: downgrade with the data keys")
        try:
            opened = sealer.open(value, context=where)
        except SealingError as exc:
            raise SealingUnavailable(f"{where} of row {row_id}: {exc}") from exc
        return opened if write else None

    return open_


def _retype(
    table: str, column: str, to: sa.types.TypeEngine[str], was: sa.types.TypeEngine[str], nullable: bool
) -> None:
    """ALTER the column's type; on SQLite, where batch mode rebuilds the table and the
    rebuild drops its triggers (guidance_session's overlap check), make them again."""
    bind = op.get_bind()
    triggers: list[str] = []
    if bind.dialect.name == "sqlite":
        triggers = list(
            bind.execute(
                sa.text(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t ORDER BY name"
                ),
                {"t": table},
            ).scalars()
        )
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, type_=to, existing_type=was, existing_nullable=nullable)
    for sql in triggers:
        op.execute(sql)


def _widen(table: str, column: str, length: int, nullable: bool) -> None:
    _retype(table, column, sa.Text(), sa.String(length=length), nullable)


def _narrow(table: str, column: str, length: int, nullable: bool) -> None:
    _retype(table, column, sa.String(length=length), sa.Text(), nullable)


# Every value is checked before anything changes: on SQLite the table rebuilds run outside
# the transaction until its first write, so a stop halfway would leave them done.


def upgrade() -> None:
    sealer = _sealer()
    for table, column, _length, _nullable in COLUMNS:
        _rewrite(table, column, _sealing(sealer, table, column, write=False))
    for table, column, length, nullable in COLUMNS:
        if length is not None:  # sealed values are longer than the plain text
            _widen(table, column, length, nullable)
    for table, column, _length, _nullable in COLUMNS:
        _rewrite(table, column, _sealing(sealer, table, column))


def downgrade() -> None:
    sealer = _sealer()
    for table, column, _length, _nullable in COLUMNS:
        _rewrite(table, column, _opening(sealer, table, column, write=False))
    for table, column, length, nullable in COLUMNS:
        _rewrite(table, column, _opening(sealer, table, column))
        if length is not None:
            _narrow(table, column, length, nullable)
