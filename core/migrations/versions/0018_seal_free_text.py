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
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import context, op

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


class SealingUnavailable(RuntimeError):
    """Plaintext to seal (or sealed values to open) but no data keys given."""


def _sealer() -> Sealer | None:
    found: Sealer | None = context.config.attributes.get("sealer")
    return found


def _rows(table: str, column: str) -> sa.TableClause:
    return sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.Text()))


def _walk(table: str, column: str) -> list[tuple[int, str]]:
    """Every non-null value, in batches by id (read before any write of this column)."""
    bind = op.get_bind()
    target = _rows(table, column)
    found: list[tuple[int, str]] = []
    last = 0
    while True:
        rows = bind.execute(
            sa.select(target.c.id, target.c[column])
            .where(target.c.id > last, target.c[column].is_not(None))
            .order_by(target.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return found
        found.extend((int(r[0]), str(r[1])) for r in rows)
        last = int(rows[-1][0])


def _is_sealed(sealer: Sealer, value: str, context_: str, row_id: int) -> bool:
    from sotesilta.core.kernel.sealing import SealingError

    try:
        sealer.open(value, context=context_)
    except SealingError as exc:
        if _LOOKS_SEALED.match(value):
            # sealed under a key that is not configured: sealing it again would bury it
            raise SealingUnavailable(f"{context_} of row {row_id}: {exc}") from None
        return False
    return True


def _set(table: str, column: str, row_id: int, value: str) -> None:
    target = _rows(table, column)
    op.get_bind().execute(sa.update(target).where(target.c.id == row_id).values({column: value}))


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


def upgrade() -> None:
    sealer = _sealer()
    plain: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for table, column, _length, _nullable in COLUMNS:
        values = _walk(table, column)
        if values and sealer is None:
            raise SealingUnavailable(
                f"{table}.{column} holds text to seal: upgrade with the data keys "
                "(`sotesilta db upgrade` passes SOTESILTA_DATA_KEYS or the data folder's data.keys)"
            )
        if sealer is not None:
            context_ = f"{table}.{column}"
            plain[(table, column)] = [
                (row_id, value) for row_id, value in values if not _is_sealed(sealer, value, context_, row_id)
            ]
    for table, column, length, nullable in COLUMNS:
        if length is not None:
            _widen(table, column, length, nullable)
    if sealer is None:
        return
    for (table, column), values in plain.items():
        for row_id, value in values:
            _set(table, column, row_id, sealer.seal(value, context=f"{table}.{column}"))


def downgrade() -> None:
    from sotesilta.core.kernel.sealing import SealingError

    sealer = _sealer()
    for table, column, length, nullable in COLUMNS:
        for row_id, value in _walk(table, column):
            if sealer is None:
                raise SealingUnavailable(f"{table}.{column} holds sealed text: downgrade with the data keys")
            try:
                opened = sealer.open(value, context=f"{table}.{column}")
            except SealingError as exc:
                raise SealingUnavailable(f"{table}.{column} of row {row_id}: {exc}") from exc
            _set(table, column, row_id, opened)
        if length is not None:
            _narrow(table, column, length, nullable)
