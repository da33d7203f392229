"""The recording statements compiled once for PostgreSQL, run on psycopg directly.

SQLAlchemy 2.0 caches no `postgresql.insert` (its cache key is None), so through
`Connection.execute` every `ON CONFLICT` insert is compiled again on every
execution, and the rest still pay for the cache lookup and result machinery:
most of a recording write's Python on PostgreSQL. Here each statement of
`statements.py` is compiled by SQLAlchemy's psycopg dialect once per dialect
object, and its values are converted by the same columns' own bind and result
processors, so the rows are those `Connection.execute` writes (a test writes a
run both ways and compares). Errors are raised as SQLAlchemy raises them
(`IntegrityError`, `DataError`, ...), and a lost connection is invalidated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.exc import DBAPIError, StatementError

if TYPE_CHECKING:
    from sqlalchemy import ClauseElement, Connection, Dialect, Executable
    from sqlalchemy.sql.compiler import SQLCompiler

Row = dict[str, Any]
Processor = Callable[[Any], Any]


class CompiledStatement:
    """One statement's SQL in psycopg's `%(name)s` style, its binder and its result columns."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        # for_executemany: no implicit RETURNING of a generated key, which nothing reads.
        element = cast("ClauseElement", statement)
        compiled = cast("SQLCompiler", element.compile(dialect=dialect, for_executemany=True))
        self.sql = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError(f"{self.sql!r}: an expanding parameter needs compiling per call")
        processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        self.bind = _binder(processors)
        self.columns: list[tuple[str, Processor | None]] = [
            (column.name, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in _result_columns(statement)
        ]

    def read(self, values: tuple[Any, ...]) -> Row:
        """A fetched row as a dict by column name, its values as SQLAlchemy returns them."""
        return {
            column: convert(value) if convert else value
            for (column, convert), value in zip(self.columns, values, strict=True)
        }


def _result_columns(statement: Executable) -> list[Any]:
    """The columns a statement returns: a SELECT's, or an INSERT's RETURNING (if any)."""
    columns: Any = getattr(statement, "exported_columns", None)
    if columns is None:
        columns = getattr(statement, "selected_columns", ())
    return list(columns)


def _binder(processors: Mapping[str, Processor | None]) -> Callable[[Row], Row]:
    """A function turning a row dict into the statement's parameters, converted.

    Built as one expression per statement, as in executors.py: task runs and
    log lines bind thousands of rows per batch.
    """
    scope: dict[str, Any] = {}
    items = []
    for i, (name, processor) in enumerate(processors.items()):
        if processor is None:
            items.append(f"{name!r}: row[{name!r}]")
        else:
            scope[f"_p{i}"] = processor
            items.append(f"{name!r}: _p{i}(row[{name!r}])")
    binder: Callable[[Row], Row] = eval(f"lambda row: {{{', '.join(items)}}}", scope)
    return binder


class CompiledStatements:
    """The recording statements compiled for one PostgreSQL dialect, on first use each."""

    def __init__(self, dialect: Dialect, statements: dict[str, Executable]) -> None:
        self.dialect = dialect
        self.statements = statements
        self._compiled: dict[str, CompiledStatement] = {}

    def __getitem__(self, name: str) -> CompiledStatement:
        compiled = self._compiled.get(name)
        if compiled is None:
            compiled = self._compiled[name] = CompiledStatement(self.statements[name], self.dialect)
        return compiled


def _bound(statement: CompiledStatement, rows: list[Row]) -> list[Row]:
    """The rows' parameters converted; a value a column refuses raises `StatementError`,
    as SQLAlchemy raises it."""
    try:
        return [statement.bind(row) for row in rows]
    except Exception as exc:
        raise StatementError(
            f"({type(exc).__module__}.{type(exc).__name__}) {exc}", statement.sql, rows, exc
        ) from exc


class PsycopgRunner:
    """Runs compiled statements on the psycopg connection under a SQLAlchemy `connection`,
    inside the transaction SQLAlchemy began on it."""

    def __init__(self, connection: Connection, statements: CompiledStatements) -> None:
        self.connection = connection
        self.statements = statements
        self._cursor: Any = None

    def execute(self, name: str, parameters: Row | None) -> list[Row]:
        """Run one statement; the rows it selected."""
        statement = self.statements[name]
        values = _bound(statement, [parameters or {}])[0]
        cursor = self._driver_cursor()
        try:
            cursor.execute(statement.sql, values)
            rows = cursor.fetchall() if statement.columns else ()
        except Exception as exc:
            raise self._sqlalchemy_error(exc, statement.sql, values) from exc
        return [statement.read(row) for row in rows]

    def executemany(self, name: str, rows: list[Row]) -> None:
        """Run one statement once per row, pipelined by psycopg."""
        statement = self.statements[name]
        values = _bound(statement, rows)
        try:
            self._driver_cursor().executemany(statement.sql, values)
        except Exception as exc:
            raise self._sqlalchemy_error(exc, statement.sql, values) from exc

    def _driver_cursor(self) -> Any:
        if self._cursor is None:
            driver = self.connection.connection.driver_connection
            assert driver is not None
            self._cursor = driver.cursor()
        return self._cursor

    def _sqlalchemy_error(self, exc: Exception, sql: str, values: Any) -> Exception:
        return as_sqlalchemy_error(exc, self.connection, sql, values)


def as_sqlalchemy_error(exc: Exception, connection: Connection, sql: str, values: Any) -> Exception:
    """`exc` as `Connection.execute` would raise it; a lost connection is invalidated."""
    dialect = connection.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(exc, dbapi_error):
        return exc
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(exc)
    error: Exception = DBAPIError.instance(
        sql, values, exc, dbapi_error, connection_invalidated=lost, dialect=dialect
    )
    return error


# deadlock_detected, serialization_failure: PostgreSQL ended the transaction to let
# another one through, and rolled it back whole; run again, it succeeds.
_RUN_AGAIN_SQLSTATES = frozenset({"40P01", "40001"})


def ended_to_let_another_through(exc: BaseException | None) -> bool:
    """Whether `exc` (as SQLAlchemy or psycopg raises it) is PostgreSQL ending a transaction
    to break a deadlock or a serialization conflict: nothing it did stays, and running it
    again works."""
    driver_error = getattr(exc, "orig", exc)
    return getattr(driver_error, "sqlstate", None) in _RUN_AGAIN_SQLSTATES
