"""Group commit for a server on PostgreSQL: requests' writes share transactions.

A durable commit waits for PostgreSQL to flush its WAL to disk, a few
milliseconds on most disks, far more than the writes themselves. Here the
write jobs that requests queue while a batch is in the database are run
together as the next batch: one connection, one transaction, each job in its
own savepoint (a job that fails is rolled back alone, the others commit), one
commit and one flush. A job's result is handed back only after that commit,
so a request is answered only once its write is durable. Batches run in the
thread pool, a couple at a time; a lone job takes no savepoint.

A batch runs in psycopg's pipeline mode: a statement whose rows nobody reads
(an insert, an update) is sent without waiting for its answer, so a request's
writes and the commit after them cost one round trip to the database, not one
each. A lone job runs in the transaction PostgreSQL makes of the statements
before a Sync (no BEGIN, no COMMIT: two statements fewer); several run in a
BEGIN ... COMMIT block of the queue's own, and each job's answers are awaited
(a sync) before the next starts, so that an error is its own job's.

As on SQLite (write_queue.py), a job is `fn(executor) -> T`, written against
`StatementExecutor`: the same queries and orchestration rules everywhere. It
runs its statements through the executor only: in pipeline mode SQLAlchemy's
own `Connection.execute` cannot tell a result that has rows from one without.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cauce.database.recording.executors import SqlAlchemyExecutor, StatementExecutor
from cauce.database.recording.postgres_compiled import as_sqlalchemy_error
from cauce.database.recording.write_queue import Job, Outcome, settle

if TYPE_CHECKING:
    from psycopg import Pipeline
    from sqlalchemy import Connection, Engine

T = TypeVar("T")

BATCHES_IN_FLIGHT = 2


class PostgresWriteQueue:
    """Runs write jobs on `engine`'s database, many per transaction.

    `on_error` turns a driver's exception into the one callers see (a refused
    constraint into `Conflict`, say); it is applied per job. Up to
    `batches_in_flight` batches run at once, each on its own connection, so that
    one batch's statements overlap another's WAL flush.
    """

    def __init__(
        self,
        engine: Engine,
        on_error: Callable[[Exception], BaseException] = lambda e: e,
        batches_in_flight: int = BATCHES_IN_FLIGHT,
    ) -> None:
        self._engine = engine
        self._on_error = on_error
        self._batches_in_flight = batches_in_flight
        self._waiting: list[tuple[Job, asyncio.Future[Any]]] = []
        self._running = 0
        self._start_scheduled = False

    async def write(self, fn: Callable[[StatementExecutor], T]) -> T:
        """Run `fn` in a write transaction; its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((fn, future))
        self._schedule_start()
        return await future

    def _schedule_start(self) -> None:
        # Soon, not now: requests that arrive in this turn of the loop join the batch.
        if self._waiting and not self._start_scheduled and self._running < self._batches_in_flight:
            self._start_scheduled = True
            asyncio.get_running_loop().call_soon(self._start_batch)

    def _start_batch(self) -> None:
        self._start_scheduled = False
        batch, self._waiting = self._waiting, []
        batch = [(fn, future) for fn, future in batch if not future.cancelled()]
        if batch:
            self._running += 1
            asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await asyncio.to_thread(self.run_batch, [fn for fn, _ in batch])
        except BaseException as exc:
            outcomes = [Outcome(error=exc)] * len(batch)
        finally:
            self._running -= 1
        settle(batch, outcomes)
        self._schedule_start()

    def run_batch(self, jobs: list[Job]) -> list[Outcome]:
        """Run `jobs` in one transaction, each in a savepoint when there are several, and
        commit. If the transaction itself fails (the connection lost), every job fails."""
        with self._engine.connect() as connection:
            # The transaction is this queue's own, begun and committed inside the pipeline:
            # psycopg's would wait for its BEGIN on its own.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                return self._run_in_transaction(connection, jobs)
            except Exception as exc:
                return [Outcome(error=self._on_error(exc))] * len(jobs)

    def _run_in_transaction(self, connection: Connection, jobs: list[Job]) -> list[Outcome]:
        executor = SqlAlchemyExecutor(connection)
        driver = connection.connection.driver_connection
        assert driver is not None
        # A lone job needs no BEGIN or COMMIT: the statements sent before a Sync are one
        # transaction, committed by that Sync (the pipeline's exit). Savepoints need a block.
        alone = len(jobs) == 1
        rolled_back = False
        try:
            with driver.pipeline() as pipeline:
                if not alone:
                    driver.execute("BEGIN")
                try:
                    if alone:
                        outcomes = [Outcome(result=jobs[0](executor))]
                    else:
                        outcomes = [
                            self._run_in_savepoint(fn, executor, driver, pipeline) for fn in jobs
                        ]
                except BaseException:
                    # Before any Sync, which would commit a lone job's statements (unless
                    # one failed: then the ROLLBACK is skipped with the rest).
                    driver.execute("ROLLBACK")
                    _sync_after_error(pipeline)
                    if not alone:  # a block that an error left open and failed
                        driver.execute("ROLLBACK")
                    rolled_back = True
                    raise
                if not alone:
                    driver.execute("COMMIT")
        except Exception as exc:
            if rolled_back:
                raise
            # The last Sync raised a statement's deferred error. A lone job's transaction
            # ended with it; after an explicit BEGIN, PostgreSQL skipped the COMMIT and the
            # failed transaction is still open.
            with contextlib.suppress(Exception):
                driver.rollback()
            raise as_sqlalchemy_error(exc, connection, "COMMIT", None) from exc
        return outcomes

    def _run_in_savepoint(
        self, fn: Job, executor: SqlAlchemyExecutor, driver: Any, pipeline: Pipeline
    ) -> Outcome:
        """Run one job of several, its answers awaited, undone alone if it fails."""
        driver.execute("SAVEPOINT cauce_job")
        try:
            result = fn(executor)
            _sync(pipeline, executor.connection)
        except Exception as exc:
            _sync_after_error(pipeline)
            driver.execute("ROLLBACK TO SAVEPOINT cauce_job")
            return Outcome(error=self._on_error(exc))
        driver.execute("RELEASE SAVEPOINT cauce_job")
        return Outcome(result=result)


def _sync(pipeline: Pipeline, connection: Connection) -> None:
    """Wait for every answer sent so far; a statement's error as SQLAlchemy raises it."""
    try:
        pipeline.sync()
    except Exception as exc:
        raise as_sqlalchemy_error(exc, connection, "(pipeline sync)", None) from exc


def _sync_after_error(pipeline: Pipeline) -> None:
    """Leave the pipeline's aborted state; the error itself was raised already."""
    with contextlib.suppress(Exception):
        pipeline.sync()
