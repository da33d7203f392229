"""Run the recording statements by name: on sqlite3 directly, or through SQLAlchemy.

`database/recording/writes.py` is written once against `StatementExecutor`.
`SqliteExecutor` runs the precompiled SQL of `sqlite_compiled.py` and converts
values to and from SQLite's storage formats exactly as SQLAlchemy's column
types do (a test writes with one and reads with the other); it imports no
SQLAlchemy. `SqlAlchemyExecutor` runs the constructs of `statements.py`, on
PostgreSQL compiled once (postgres_compiled.py).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

from cauce.database.recording.sqlite_compiled import STATEMENTS

if TYPE_CHECKING:
    from sqlalchemy import Connection, Dialect, Executable

    from cauce.database.recording.postgres_compiled import CompiledStatements, PsycopgRunner

Row = dict[str, Any]


class StatementExecutor(Protocol):
    """Executes the named recording statements inside the caller's transaction."""

    def execute(self, name: str, parameters: Row | None = None) -> list[Row]:
        """Run one statement; the rows it selected, as dicts by column name."""

    def executemany(self, name: str, rows: list[Row]) -> None:
        """Run one statement once per parameter row, in one round trip."""

    def executemany_values(
        self, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """`executemany` with each row given as a tuple of values in the order of
        `columns`: the batch writer's rows, built without a dict each."""


# Text of each second already formatted ("2026-12-05 15:22:54"): a batch's times share
# a few seconds, and isoformat() costs twice this lookup and the microseconds' format.
_SECONDS_TEXT: dict[tuple[int, int, int, int, int, int], str] = {}
_SECONDS_TEXT_MAX = 4096


def _datetime_to_text(value: datetime) -> str:
    """As `isoformat(" ", "microseconds")` of the UTC time, without its "+00:00"."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    key = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    seconds = _SECONDS_TEXT.get(key)
    if seconds is None:
        if len(_SECONDS_TEXT) >= _SECONDS_TEXT_MAX:
            _SECONDS_TEXT.clear()
        seconds = _SECONDS_TEXT[key] = value.isoformat(" ", "seconds")[:19]
    return "%s.%06d" % (seconds, value.microsecond)  # noqa: UP031 (faster than an f-string)


_EMPTY_JSON: dict[type, str] = {list: "[]", dict: "{}"}


def _json_to_text(value: Any) -> str:
    if not value:
        empty = _EMPTY_JSON.get(type(value))
        if empty is not None:
            return empty
    return json.dumps(value)


def _uuids_to_text(value: list[uuid.UUID]) -> str:
    return json.dumps([item.hex for item in value])


def _uuid_from_text(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _datetime_from_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json_from_text(value: str | None) -> Any:
    return None if value is None else json.loads(value)


_FROM_SQLITE: dict[str | None, Callable[[Any], Any] | None] = {
    None: None,
    "uuid": _uuid_from_text,
    "datetime": _datetime_from_text,
    "json": _json_from_text,
}


class _CompiledStatement:
    def __init__(self, name: str) -> None:
        self.sql, self.parameters, columns = STATEMENTS[name]
        self.bind = _binder(self.parameters, [f"row[{param!r}]" for param, _ in self.parameters])
        self.columns = [(column, _FROM_SQLITE[kind]) for column, kind in columns]
        group = f"({', '.join('?' * len(self.parameters))})"
        # An INSERT of one VALUES row can be run as one INSERT of many (see run_many).
        self._values_group = (
            group
            if self.sql.startswith("INSERT ")
            and self.sql.count(group) == 1
            and " RETURNING " not in self.sql
            else None
        )
        self._inserts: dict[int, str] = {}
        self._value_binders: dict[
            tuple[str, ...], Callable[[tuple[Any, ...]], tuple[Any, ...]]
        ] = {}

    def read(self, values: tuple[Any, ...]) -> Row:
        return {
            column: convert(value) if convert else value
            for (column, convert), value in zip(self.columns, values, strict=True)
        }

    def bind_values(self, columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """The binder of value tuples in the order of `columns` (which must name every
        parameter of the statement)."""
        binder = self._value_binders.get(columns)
        if binder is None:
            position = {name: index for index, name in enumerate(columns)}
            missing = [param for param, _ in self.parameters if param not in position]
            if missing:
                raise KeyError(f"no value for {missing}")
            sources = [f"row[{position[param]}]" for param, _ in self.parameters]
            binder = self._value_binders[columns] = _binder(self.parameters, sources)
        return binder

    def run_many(self, connection: sqlite3.Connection, bound: list[tuple[Any, ...]]) -> None:
        """Run the statement once per parameter tuple, in order.

        An INSERT runs as INSERTs of many VALUES rows each, which SQLite inserts one
        after the other exactly as it would one by one. executemany would release
        the GIL and take it back for each row, and each taking back waits for the
        flow's thread to let go of it: that hand-over cost more than the row.
        The row counts are powers of two, so that a few statements, prepared once
        (sqlite3 keeps them), serve any batch.
        """
        if self._values_group is None or len(bound) == 1:
            connection.executemany(self.sql, bound)
            return
        variables = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        most = max(1, min(_MAX_VARIABLES_PER_INSERT, variables) // len(self.parameters))
        start, total = 0, len(bound)
        while start < total:
            size = 1 << (min(most, total - start).bit_length() - 1)
            values = list(chain.from_iterable(bound[start : start + size]))
            connection.execute(self._insert_of(size), values)
            start += size

    def _insert_of(self, rows: int) -> str:
        sql = self._inserts.get(rows)
        if sql is None:
            assert self._values_group is not None
            groups = ", ".join([self._values_group] * rows)
            sql = self._inserts[rows] = self.sql.replace(self._values_group, groups)
        return sql


# The most variables in one INSERT (SQLite's own limit before 3.32): 128 rows of a
# state's 7 values, 32 of a task run's 17, so a batch of 500 task runs takes about 45
# INSERTs instead of 3,000. Not more: a prepared INSERT's memory grows with its rows
# (a task run's upsert of 128 rows held 0.6 MB), and sqlite3 keeps each size prepared.
_MAX_VARIABLES_PER_INSERT = 999


# Each kind's conversion to SQLite's storage, as source over a local `v`. A UUID's
# text is spelt out: the `hex` property and a helper call cost more than the format.
_TO_SQLITE = {
    None: "{v}",
    "uuid": "(None if {v} is None else '%032x' % {v}.int)",
    "datetime": "(None if {v} is None else _datetime({v}))",
    "json": "_json({v})",
    "uuids": "_uuids({v})",
}


def _binder(
    parameters: tuple[tuple[str, str | None], ...], sources: list[str]
) -> Callable[[Any], tuple[Any, ...]]:
    """A function turning a row (a dict, or a tuple of values) into the statement's
    parameter tuple; `sources` reads each parameter's value from `row`.

    Built as one function per statement: a generic loop over the parameters
    costs twice as much, and task runs bind thousands of rows per batch.
    """
    reads = "".join(f"    v{i} = {source}\n" for i, source in enumerate(sources))
    items = [_TO_SQLITE[kind].format(v=f"v{i}") for i, (_, kind) in enumerate(parameters)]
    source = (
        f"def bind(row):\n{reads}    return ({', '.join(items)}{',' if len(items) == 1 else ''})\n"
    )
    scope: dict[str, Any] = {
        "_datetime": _datetime_to_text,
        "_json": _json_to_text,
        "_uuids": _uuids_to_text,
    }
    exec(source, scope)
    binder: Callable[[Any], tuple[Any, ...]] = scope["bind"]
    return binder


_compiled: dict[str, _CompiledStatement] = {}


def _statement(name: str) -> _CompiledStatement:
    statement = _compiled.get(name)
    if statement is None:
        statement = _compiled[name] = _CompiledStatement(name)
    return statement


class SqliteExecutor:
    """Recording statements on a sqlite3 connection, with no SQLAlchemy."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, name: str, parameters: Row | None = None) -> list[Row]:
        statement = _statement(name)
        cursor = self.connection.execute(statement.sql, statement.bind(parameters or {}))
        if not statement.columns:
            return []
        return [statement.read(values) for values in cursor.fetchall()]

    def executemany(self, name: str, rows: list[Row]) -> None:
        if rows:
            statement = _statement(name)
            statement.run_many(self.connection, [statement.bind(row) for row in rows])

    def executemany_values(
        self, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        if rows:
            statement = _statement(name)
            bind = statement.bind_values(columns)
            statement.run_many(self.connection, [bind(row) for row in rows])


def executor_for(connection: Connection) -> StatementExecutor:
    """The recording statements inside `connection`'s transaction: on SQLite straight on
    its sqlite3 connection (the compiled statements, no SQLAlchemy compiling per row: the
    scheduler makes thousands of runs in one pass), else through SQLAlchemy."""
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return SqliteExecutor(raw)
    return SqlAlchemyExecutor(connection)


class SqlAlchemyExecutor:
    """Recording statements inside a SQLAlchemy connection's transaction.

    On PostgreSQL (psycopg) they run compiled once, on the driver's connection
    (postgres_compiled.py); elsewhere, or with `compiled=False`, as SQLAlchemy
    constructs through `Connection.execute`.
    """

    _statements: dict[str, dict[str, Executable]] = {}
    _compiled: WeakKeyDictionary[Dialect, CompiledStatements] = WeakKeyDictionary()

    def __init__(self, connection: Connection, compiled: bool = True) -> None:
        self.connection = connection
        dialect = connection.dialect
        if dialect.name not in self._statements:
            from cauce.database.recording.statements import build_statements

            self._statements[dialect.name] = build_statements(dialect.name)
        self.statements = self._statements[dialect.name]
        self._runner: PsycopgRunner | None = None
        if compiled and dialect.name == "postgresql" and dialect.driver == "psycopg":
            from cauce.database.recording.postgres_compiled import (
                CompiledStatements,
                PsycopgRunner,
            )

            statements = self._compiled.get(dialect)
            if statements is None:
                statements = self._compiled[dialect] = CompiledStatements(dialect, self.statements)
            self._runner = PsycopgRunner(connection, statements)

    def execute(self, name: str, parameters: Row | None = None) -> list[Row]:
        if self._runner is not None:
            return self._runner.execute(name, parameters)
        result = self.connection.execute(self.statements[name], parameters or {})
        if not result.returns_rows:
            return []
        return [dict(row._mapping) for row in result]

    def executemany(self, name: str, rows: list[Row]) -> None:
        if not rows:
            return
        if self._runner is not None:
            self._runner.executemany(name, rows)
        else:
            self.connection.execute(self.statements[name], rows)

    def executemany_values(
        self, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        self.executemany(name, [dict(zip(columns, row, strict=True)) for row in rows])
