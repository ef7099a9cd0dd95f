"""SQLite's event loop keeps one connection for the use cases it runs inline, lent to one unit
of work at a time: a unit opened inside another takes its own, so no two share a transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sotesilta.core.kernel.db import NO_WAIT_FOR_WRITER


def _inline(runtime, fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` as the server runs a use case inline on SQLite's event loop."""
    token = NO_WAIT_FOR_WRITER.set(True)
    try:
        return fn()
    finally:
        NO_WAIT_FOR_WRITER.reset(token)


def test_inline_units_reuse_one_kept_connection_and_a_nested_unit_takes_its_own(runtime):
    if not runtime.db_inline:
        pytest.skip("PostgreSQL runs use cases in threads, each unit on a pooled connection")

    def units():  # type: ignore[no-untyped-def]
        with runtime.uow() as first:
            kept = first.connection
            first.connection.execute(text("CREATE TABLE IF NOT EXISTS lent_probe (n integer)"))
            first.connection.execute(text("INSERT INTO lent_probe VALUES (1)"))
            with runtime.uow() as nested:  # opened inside: its own connection, its own transaction
                assert nested.connection is not kept
                assert nested.connection.scalar(text("SELECT count(*) FROM lent_probe")) == 0
            first.commit()
        with runtime.uow() as second:
            assert second.connection is kept  # lent again, not taken from the pool
            assert second.connection.scalar(text("SELECT count(*) FROM lent_probe")) == 1

    _inline(runtime, units)


def test_a_unit_that_fails_hands_the_kept_connection_back_with_nothing_open(runtime):
    if not runtime.db_inline:
        pytest.skip("PostgreSQL runs use cases in threads, each unit on a pooled connection")

    def failing():  # type: ignore[no-untyped-def]
        with runtime.uow() as uow:
            uow.connection.execute(text("CREATE TABLE IF NOT EXISTS lent_probe (n integer)"))
            uow.connection.execute(text("INSERT INTO lent_probe VALUES (2)"))
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError, match="failed"):
        _inline(runtime, failing)

    def after():  # type: ignore[no-untyped-def]
        with runtime.uow() as uow:
            return uow.connection.scalar(text("SELECT count(*) FROM lent_probe WHERE n = 2"))

    assert _inline(runtime, after) in (0, None)
