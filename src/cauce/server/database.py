"""The server's database: reads, recording writes, and other write transactions.

`ServerDatabase` is opened once, before the server takes requests (app.py's
lifespan, or `cauce server start` itself so that a bad URL is one line).
Routers go through it and never open connections themselves:

- `write(fn)`: `fn(executor)` records, with the same queries and orchestration
  rules as the embedded client. On SQLite every write goes through one
  `SqliteWriteQueue` (in the event loop, many requests per commit) instead of
  requests fighting for the file lock; on PostgreSQL through one
  `PostgresWriteQueue` (in the thread pool, many requests per commit and WAL
  flush). Either way a request whose write fails is rolled back alone.
- `read(fn)`: `fn(connection)` in a read-only SQLAlchemy transaction, in the
  thread pool.
- `transaction(fn)`: `fn(connection)` in a SQLAlchemy write transaction (rare
  writes that are not recording: deleting a run).

Each returns `fn`'s result once its transaction has committed, so a request
either wrote everything or nothing and is answered once its write is durable.
A constraint that refuses a write is raised as `Conflict`, a value the
database cannot store as `Unstorable`.

On SQLite, SQLAlchemy is imported on the first read, not at start: the
recording path runs on the sqlite3 driver, and the import is a fifth of the
server's start-up.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cauce.database.migrations import HEAD_REVISION
from cauce.database.recording import sqlite_connection, sqlite_schema
from cauce.database.recording.executors import StatementExecutor
from cauce.database.recording.write_queue import SqliteWriteQueue

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from cauce.database.recording.postgres_write_queue import PostgresWriteQueue

T = TypeVar("T")

# How many times a write transaction PostgreSQL ended to break a deadlock is tried.
WRITE_ATTEMPTS = 3


class Conflict(Exception):
    """A database constraint refused the write; nothing of it was written."""


class Unstorable(Exception):
    """The database cannot store a value of the request (PostgreSQL refuses a NUL
    character in text, say); nothing of it was written."""


class SendAgain(Exception):
    """PostgreSQL ended the write to let another through (a deadlock, a serialization
    conflict) and rolled it back whole: the same request, sent again, goes through."""


class ServerDatabase:
    """The database at `url`, brought to the current schema when opened.

    `pool_size`: connections kept open to PostgreSQL (default
    CAUCE_SERVER_DATABASE_POOL_SIZE); SQLite's writes use one connection.
    """

    def __init__(self, url: str, pool_size: int | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if pool_size is None:
            from cauce.settings import get_settings

            pool_size = get_settings().server.database_pool_size
        self.pool_size = pool_size
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        if not (self.is_sqlite and _sqlite_is_current(url)):
            from cauce.database.connections import ensure_schema

            ensure_schema(self.engine)
        self._write_queue = SqliteWriteQueue(url) if self.is_sqlite else None
        self._postgres_queue: PostgresWriteQueue | None = None
        if not self.is_sqlite:
            from cauce.database.recording.postgres_write_queue import PostgresWriteQueue

            self._postgres_queue = PostgresWriteQueue(self.engine, _request_error)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, made on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    from cauce.database.connections import create_engine

                    self._engine = create_engine(self.url, pool_size=self.pool_size)
        return self._engine

    async def write(self, fn: Callable[[StatementExecutor], T]) -> T:
        """Record: `fn(executor)` in a write transaction; its result once committed."""
        if self._write_queue is not None:
            try:
                return await self._write_queue.write(fn)
            except sqlite3.IntegrityError as exc:
                raise Conflict(_reason(exc)) from exc
        assert self._postgres_queue is not None
        return await self._postgres_queue.write(fn)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` in a read-only transaction; its result."""
        return await run_in_threadpool(self._read_transaction, fn)

    async def transaction(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` in a write transaction; its result once committed."""
        return await run_in_threadpool(self._write_transaction, fn)

    def close(self) -> None:
        """Close every connection (once the server stopped taking requests)."""
        if self._write_queue is not None:
            self._write_queue.close()
        if self._engine is not None:
            self._engine.dispose()

    def _write_transaction(self, fn: Callable[[Connection], T]) -> T:
        from sqlalchemy.exc import DataError, IntegrityError, OperationalError

        attempt = 1
        while True:
            try:
                with self.engine.begin() as connection:
                    return fn(connection)
            except IntegrityError as exc:
                raise Conflict(_reason(exc.orig)) from exc
            except DataError as exc:
                raise Unstorable(_reason(exc.orig)) from exc
            except OperationalError as exc:
                from cauce.database.recording.postgres_compiled import (
                    ended_to_let_another_through,
                )

                if not ended_to_let_another_through(exc):
                    raise
                if attempt == WRITE_ATTEMPTS:
                    raise SendAgain(_reason(exc.orig)) from exc
                attempt += 1

    def _read_transaction(self, fn: Callable[[Connection], T]) -> T:
        from sqlalchemy.exc import DataError

        from cauce.database.connections import read_only

        try:
            with read_only(self.engine) as connection:
                return fn(connection)
        except DataError as exc:
            # A name looked up with a NUL in it, which PostgreSQL cannot even compare.
            raise Unstorable(_reason(exc.orig)) from exc


def _sqlite_is_current(url: str) -> bool:
    """Create a new SQLite file's schema; whether the file is at the current revision."""
    connection = sqlite_connection.connect(url)
    try:
        return sqlite_schema.create_if_new(connection) == HEAD_REVISION
    finally:
        connection.close()


def _request_error(exc: Exception) -> BaseException:
    """`exc` as a request sees it: a refused constraint is `Conflict`, and so on."""
    from sqlalchemy.exc import DataError, IntegrityError

    from cauce.database.recording.postgres_compiled import ended_to_let_another_through

    error: BaseException
    if isinstance(exc, IntegrityError):
        error = Conflict(_reason(exc.orig))
    elif isinstance(exc, DataError):
        error = Unstorable(_reason(exc.orig))
    elif ended_to_let_another_through(exc):
        error = SendAgain(_reason(getattr(exc, "orig", exc)))
    else:
        return exc
    error.__cause__ = exc
    return error


def _reason(exc: BaseException | None) -> str:
    return " ".join(str(exc).split())


async def get_database(request: Request) -> ServerDatabase:
    """The database the server opened (async: FastAPI runs plain function dependencies
    in its thread pool, a thread hop per request for reading an attribute)."""
    database: ServerDatabase = request.app.state.database
    return database


DatabaseDep = Annotated[ServerDatabase, Depends(get_database)]
