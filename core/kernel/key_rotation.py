"""Re-seal every sealed value under the current data key, while the server runs.

Rows are re-sealed in small batches, each its own transaction; an update only
lands if the value is still the one that was read, so a concurrent change is
never overwritten (it is picked up by the next pass). A value sealed with a
key that is no longer configured stops the rotation loudly, naming the row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import (
    Engine,
    column,
    select,
    table,
    update,
)

from sotesilta.core.kernel.sealing import Sealer, SealingError

log = logging.getLogger("sotesilta.keys")
BATCH = 500


class KeyMissing(Exception):
    """A stored value needs a key that is not configured."""


@dataclass(frozen=True)
class RotationReport:
    resealed: dict[str, int]
    already_current: int


def rotate_keys(engine: Engine, sealer: Sealer) -> RotationReport:
    resealed: dict[str, int] = {}
    current = 0
    prefix = f"v1.{sealer.current_key_id}."
    for table_name, key_name, column_name in SEALED_COLUMNS:
        target = table(table_name, column(key_name), column(column_name))
        pk, value_col = target.c[key_name], target.c[column_name]
        context = f"{table_name}.{column_name}"
        done = 0
        last_id = 0
        while True:
            with engine.begin() as connection:
                rows = connection.execute(
                    select(pk, value_col)
                    .where(pk > last_id, value_col.is_not(None))
                    .order_by(pk)
                    .limit(BATCH)
                ).all()
                if not rows:
                    break
                for row_id, sealed in rows:
                    last_id = row_id
                    if sealed.startswith(prefix):
                        current += 1
                        continue
                    try:
                        plain = sealer.open(sealed, context=context)
                    except SealingError as exc:
                        raise KeyMissing(f"{context} of row {row_id}: {exc}") from exc
                    result = connection.execute(
                        update(target)
                        .where(pk == row_id, value_col == sealed)
                        .values({column_name: sealer.seal(plain, context=context)})
                    )
                    done += int(result.rowcount or 0)
        resealed[context] = done
        log.info("column re-sealed", extra={"column": context, "rows": done})
    return RotationReport(resealed, current)


def missing_key_ids(engine: Engine, configured: set[str], sample: int = 1000) -> set[str]:
    """Key ids found on a sample of stored values that are not configured."""
    found: set[str] = set()
    with engine.connect() as connection:
        for table_name, key_name, column_name in SEALED_COLUMNS:
            target = table(table_name, column(key_name), column(column_name))
            values = connection.execute(
                select(target.c[column_name])
                .where(target.c[column_name].is_not(None))
                .order_by(target.c[key_name].desc())
                .limit(sample)
            ).scalars()
            found.update(Sealer.key_id_of(v) for v in values)
    return found - configured


#: (table, primary key, column): every value sealed with services.sealing, whose
#: associated data is "<table>.<column>". Key rotation walks this list; a new
#: sealed column must be added here (a test checks the models against it).
SEALED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("booking", "id", "client_name"),
    ("booking", "id", "client_phone"),
    ("booking", "id", "client_email"),
    ("booking", "id", "note"),
    ("client_record", "id", "name"),
    ("client_record", "id", "identity_code"),
    ("client_record", "id", "phone"),
    ("client_access_grant", "id", "detail"),
    ("consultation", "id", "question"),
    ("contact", "id", "note"),
    ("external_calendar", "id", "url"),
    ("feedback_answer", "id", "free_text"),
    ("intensive_period", "id", "age_exception_reason"),
    ("period_feedback", "id", "free_text"),
    ("period_goal", "id", "text"),
    ("consultation_message", "id", "body"),
    ("shl_notification", "id", "summary"),
    ("shl_notification", "id", "ground_without_consent"),
    # free text that may name or describe a person, sealed since migration 0018
    ("absence", "id", "reason"),
    ("booking", "id", "cancel_reason"),
    ("contact", "id", "place"),
    ("guidance_session", "id", "cancel_reason"),
    ("service_decision", "id", "decision_maker"),
    ("shl_notification", "id", "to_organisation"),
    ("visit", "id", "shl_notification_to"),
    ("visit_revision", "id", "snapshot"),
    # the public's self-assessments and contact requests (issue 23)
    ("self_assessment", "id", "answers"),
    ("contact_request", "id", "name"),
    ("contact_request", "id", "phone"),
    ("contact_request", "id", "email"),
    ("contact_request", "id", "reach_when"),
    # the message outbox: whom a message goes to and what it says
    ("outbox_message", "id", "recipient"),
    ("outbox_message", "id", "subject"),
    ("outbox_message", "id", "body"),
    ("outbox_message", "id", "calendar"),
    # where a worker's calendar invitations go
    ("calendar_invitation_setting", "user_id", "address"),
)
