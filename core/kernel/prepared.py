"""Prebuilt statements run straight on the DB-API cursor, for the hottest paths.

On a booking, SQLAlchemy's execution machinery (execution context, parameter
and result set-up, events) cost more than SQLite's own work: about 30-40 µs a
statement against a few µs for an indexed lookup. A ``Prepared`` statement is
a Core statement compiled once per dialect; each call applies the same bind
and result processors SQLAlchemy would (so values are stored and read exactly
as through the ORM), fires the engine's ``before_cursor_execute`` listeners
(SQLite's writer lock, see ``db._serialise_sqlite_writers``), runs in the
caller's transaction (beginning it, as SQLAlchemy's execution does), and raises
SQLAlchemy's exception types.

It reads what SQLAlchemy's compiled statement keeps for its own execution
(``_bind_processors``, ``_result_columns``, a column's
``_cached_result_processor``): private attributes, so pyproject.toml bounds
SQLAlchemy below its next minor version, and the whole suite runs every
prepared statement of the hot path on both databases.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Form:
    """The statement as one dialect runs it."""

    sql: str
    positions: tuple[str, ...] | None  # bind names in order, for positional paramstyles
    constants: dict[str, Any]  # values of binds the statement carries itself
    binds: dict[str, Any]  # bind name -> processor
    row: Any  # a namedtuple class for the result columns, or None
    results: tuple[Any, ...]  # result processors, by column
    processed: bool  # whether any result processor is set


class Prepared:
    """A Core statement compiled once per dialect and, for an INSERT, per set of
    columns given (as SQLAlchemy does: a column left out gets its default)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_columns = isinstance(statement, Insert)
        self._forms: dict[tuple[str, tuple[str, ...]], _Form] = {}

    def _form(self, dialect: Dialect, params: Mapping[str, Any]) -> _Form:
        key = (dialect.name, tuple(params) if self._by_columns else ())
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self._compile(dialect, list(key[1]) if self._by_columns else None)
        return form

    def _compile(self, dialect: Dialect, columns: list[str] | None) -> _Form:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=columns)
        constants = {
            name: value
            for name, value in compiled.construct_params(_check=False).items()
            if value is not None
        }
        binds = {name: proc for name, proc in compiled._bind_processors.items() if proc is not None}
        result_columns = compiled._result_columns or []
        results = tuple(column[3]._cached_result_processor(dialect, None) for column in result_columns)
        row = namedtuple("Row", [column[0] for column in result_columns]) if result_columns else None
        positions = tuple(compiled.positiontup) if compiled.positional else None
        return _Form(compiled.string, positions, constants, binds, row, results, any(results))

    def _parameters(self, form: _Form, params: Mapping[str, Any]) -> Any:
        values = {**form.constants, **params} if form.constants else dict(params)
        for name, proc in form.binds.items():
            if name in values:
                values[name] = proc(values[name])
        if form.positions is not None:
            return tuple(values[name] for name in form.positions)
        return values

    def _run(self, connection: Connection, form: _Form, params: Any, *, many: bool = False) -> Any:
        if not connection.in_transaction():
            connection.begin()  # as SQLAlchemy's own execution autobegins: commit() then commits this
        cursor = connection.connection.cursor()
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, form.sql, params, None, many)
            if many:
                cursor.executemany(form.sql, params)
            else:
                cursor.execute(form.sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise _translated(connection, form.sql, params, exc) from exc
        except BaseException:
            cursor.close()
            raise
        return cursor

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """All result rows, as named tuples."""
        form = self._form(connection.dialect, params)
        parameters = self._parameters(form, params)
        cursor = self._run(connection, form, parameters)
        try:
            fetched = cursor.fetchall()  # in pipeline mode (PostgreSQL) the statement's errors arrive here
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _translated(connection, form.sql, parameters, exc) from exc
        finally:
            cursor.close()
        make = form.row._make
        if not form.processed:
            return [make(row) for row in fetched]
        procs = form.results
        return [
            make([proc(value) if proc else value for proc, value in zip(procs, row, strict=True)])
            for row in fetched
        ]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first result row, or None."""
        found = self.rows(connection, params)
        return found[0] if found else None

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """Run a statement that returns nothing."""
        form = self._form(connection.dialect, params)
        self._run(connection, form, self._parameters(form, params)).close()

    def executemany(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement once per parameter set (all with the same keys)."""
        if not params:
            return
        form = self._form(connection.dialect, params[0])
        self._run(connection, form, [self._parameters(form, p) for p in params], many=True).close()


def _translated(connection: Connection, sql: str, params: Any, exc: Exception) -> StatementError:
    """The driver's error as SQLAlchemy's type (IntegrityError, OperationalError…)."""
    return DBAPIError.instance(
        sql, params, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
    )
