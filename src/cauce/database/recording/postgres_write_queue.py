"""Group commit for a server on PostgreSQL: requests' writes share transactions.

A durable commit waits for PostgreSQL to flush its WAL to disk, a few
milliseconds on most disks, far more than the writes themselves. Here the
write jobs that requests queue while a batch is in the database are run
together as the next batch: one connection, one transaction, each job in its
own savepoint (a job that fails is rolled back alone, the others commit), one
commit and one flush. A job's result is handed back only after that commit,
so a request is answered only once its write is durable. Batches run in the
thread pool, a couple at a time; a lone job takes no savepoint.

As on SQLite (write_queue.py), a job is `fn(executor) -> T`, written against
`StatementExecutor`: the same queries and orchestration rules everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cauce.database.recording.executors import SqlAlchemyExecutor, StatementExecutor
from cauce.database.recording.write_queue import Job, Outcome, settle

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

T = TypeVar("T")

BATCHES_IN_FLIGHT = 2
_NEXT_SAVEPOINT = "RELEASE SAVEPOINT cauce_job; SAVEPOINT cauce_job"


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
            try:
                return self._run_in_transaction(connection, jobs)
            except Exception as exc:
                return [Outcome(error=self._on_error(exc))] * len(jobs)

    def _run_in_transaction(self, connection: Connection, jobs: list[Job]) -> list[Outcome]:
        executor = SqlAlchemyExecutor(connection)
        with connection.begin():
            if len(jobs) == 1:
                return [Outcome(result=jobs[0](executor))]
            # Savepoints on the driver's connection: releasing one job's and opening the
            # next one's is then one round trip. COMMIT releases the last.
            driver = connection.connection.driver_connection
            assert driver is not None
            outcomes = []
            for i, fn in enumerate(jobs):
                driver.execute("SAVEPOINT cauce_job" if i == 0 else _NEXT_SAVEPOINT)
                try:
                    result = fn(executor)
                except Exception as exc:
                    driver.execute("ROLLBACK TO SAVEPOINT cauce_job")
                    outcomes.append(Outcome(error=self._on_error(exc)))
                else:
                    outcomes.append(Outcome(result=result))
        return outcomes
