"""The server's database: an engine for reads, and one way to write.

`ServerDatabase` is opened once in the app's lifespan (app.py). Routers read
in a transaction of their own on `engine`, and record through `write(fn)`:
`fn(executor)` runs in one write transaction and its result is returned only
after the commit, so a request either wrote everything or nothing and is
answered once its write is durable.

On SQLite every write goes through one `SqliteWriteQueue` (in the event loop,
many requests per commit) instead of requests fighting for the file lock; on
PostgreSQL each write is its own transaction in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from cauce.database.engine import create_engine, ensure_schema, normalize_url
from cauce.database.executors import SqlAlchemyExecutor, StatementExecutor
from cauce.database.write_queue import SqliteWriteQueue

T = TypeVar("T")


class ServerDatabase:
    """The database at `url`, migrated to the current schema when opened."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        ensure_schema(self.engine)
        self._write_queue = (
            SqliteWriteQueue(normalize_url(url)) if self.engine.dialect.name == "sqlite" else None
        )

    async def write(self, fn: Callable[[StatementExecutor], T]) -> T:
        """Run `fn` in a write transaction; its result once committed."""
        if self._write_queue is not None:
            return await self._write_queue.write(fn)
        return await run_in_threadpool(self._write_in_transaction, fn)

    def _write_in_transaction(self, fn: Callable[[StatementExecutor], T]) -> T:
        with self.engine.begin() as connection:
            return fn(SqlAlchemyExecutor(connection))

    def close(self) -> None:
        """Close every connection (once the server stopped taking requests)."""
        if self._write_queue is not None:
            self._write_queue.close()
        self.engine.dispose()


# Async, though they do not wait: FastAPI runs a plain function dependency in its
# thread pool, a thread hop per request for reading an attribute.
async def get_database(request: Request) -> ServerDatabase:
    """The database the lifespan opened."""
    database: ServerDatabase = request.app.state.database
    return database


async def get_engine(request: Request) -> Engine:
    """The engine reads use."""
    database: ServerDatabase = request.app.state.database
    return database.engine


DatabaseDep = Annotated[ServerDatabase, Depends(get_database)]
EngineDep = Annotated[Engine, Depends(get_engine)]
