"""One writer for a SQLite file shared by a server's requests, in its event loop.

SQLite lets one transaction write at a time. Requests that each open their
own would queue on the file lock, each paying for its own commit, and threads
handing work to each other cost more than the write itself. Here the event
loop's thread owns one connection: the write jobs that requests queue while
the loop is busy are run together, in one transaction, each in its own
savepoint (a job that fails leaves the others' writes in place), with one
commit. A job's result is handed back only after that commit, so a request is
answered only once its write is durable.

The loop must not wait on the file lock: when another process holds it (a
script recording without the server, on the same file), the batch moves to a
thread that waits with the usual busy timeout, and jobs queued meanwhile wait
their turn.

A job is `fn(executor) -> T`, written against `StatementExecutor` like the
embedded client's recording: the same queries, the same orchestration rules.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cauce.database.recording import sqlite_connection
from cauce.database.recording.executors import SqliteExecutor, StatementExecutor

T = TypeVar("T")

Job = Callable[[StatementExecutor], Any]


@dataclass
class Outcome:
    """A job's result, or the exception it raised."""

    result: Any = None
    error: BaseException | None = None


class SqliteWriteQueue:
    """Runs write jobs on the SQLite file at `url`, many per transaction, in the running loop."""

    def __init__(self, url: str) -> None:
        self._connection = sqlite_connection.connect(url)
        self._connection.execute("PRAGMA busy_timeout=0")
        self._executor = SqliteExecutor(self._connection)
        self._waiting: list[tuple[Job, asyncio.Future[Any]]] = []
        self._flush_scheduled = False
        self._in_thread = False

    async def write(self, fn: Callable[[StatementExecutor], T]) -> T:
        """Run `fn` in a write transaction; its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((fn, future))
        self._schedule_flush()
        return await future

    def close(self) -> None:
        """Close the file (after the loop stopped taking requests)."""
        self._connection.close()

    def _schedule_flush(self) -> None:
        # Soon, not now: requests that arrive in this turn of the loop join the batch.
        if not self._flush_scheduled and not self._in_thread:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        batch, self._waiting = self._waiting, []
        batch = [(fn, future) for fn, future in batch if not future.cancelled()]
        if not batch:
            return
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                settle(batch, [Outcome(error=exc)] * len(batch))
                return
            self._in_thread = True
            asyncio.get_running_loop().create_task(self._flush_in_thread(batch))
            return
        settle(batch, _run_jobs(self._connection, self._executor, [fn for fn, _ in batch]))

    async def _flush_in_thread(self, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await asyncio.to_thread(self._wait_and_run, [fn for fn, _ in batch])
        except BaseException as exc:
            outcomes = [Outcome(error=exc)] * len(batch)
        finally:
            self._in_thread = False
        settle(batch, outcomes)
        if self._waiting:
            self._schedule_flush()

    def _wait_and_run(self, jobs: list[Job]) -> list[Outcome]:
        connection = self._connection
        connection.execute(f"PRAGMA busy_timeout={sqlite_connection.BUSY_TIMEOUT_SECONDS * 1000}")
        try:
            connection.execute("BEGIN IMMEDIATE")
        finally:
            connection.execute("PRAGMA busy_timeout=0")
        return _run_jobs(connection, self._executor, jobs)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED")


def _run_jobs(
    connection: sqlite3.Connection, executor: SqliteExecutor, jobs: list[Job]
) -> list[Outcome]:
    """Run `jobs` in the transaction just begun, each in a savepoint, and commit."""
    outcomes = []
    try:
        for fn in jobs:
            connection.execute("SAVEPOINT job")
            try:
                outcome = Outcome(result=fn(executor))
            except Exception as exc:
                connection.execute("ROLLBACK TO job")
                outcome = Outcome(error=exc)
            connection.execute("RELEASE job")
            outcomes.append(outcome)
        connection.execute("COMMIT")
    except Exception as exc:
        # The transaction itself failed (disk full, the file gone): nothing was written.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        return [Outcome(error=exc)] * len(jobs)
    return outcomes


def settle(batch: list[tuple[Job, asyncio.Future[Any]]], outcomes: list[Outcome]) -> None:
    """Hand each job's outcome to the request waiting for it."""
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.cancelled():
            continue
        if outcome.error is not None:
            future.set_exception(outcome.error)
        else:
            future.set_result(outcome.result)
