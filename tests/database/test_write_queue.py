"""The server's SQLite writer: jobs share a commit, fail alone, and wait off the loop.

Each test runs the queue in a real event loop on a real SQLite file, and reads
the rows back through a second connection, as another process would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from cauce.database.recording import sqlite_connection, sqlite_schema
from cauce.database.recording.executors import StatementExecutor
from cauce.database.recording.write_queue import SqliteWriteQueue
from cauce.database.recording.writes import flow_id_for_name


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cauce.db'}"
    connection = sqlite_connection.connect(url)
    sqlite_schema.create_if_new(connection)
    connection.close()
    return url


def flow_names(url: str) -> list[str]:
    connection = sqlite3.connect(sqlite_connection.sqlite_path(url))
    try:
        return sorted(name for (name,) in connection.execute("SELECT name FROM flows"))
    finally:
        connection.close()


def record_flow(name: str):  # type: ignore[no-untyped-def]
    def job(executor: StatementExecutor) -> uuid.UUID:
        return flow_id_for_name(executor, name)

    return job


def test_jobs_queued_together_are_committed_and_each_gets_its_result(url: str):
    async def main() -> list[uuid.UUID]:
        queue = SqliteWriteQueue(url)
        try:
            return await asyncio.gather(*(queue.write(record_flow(f"f{i}")) for i in range(20)))
        finally:
            queue.close()

    ids = asyncio.run(main())
    assert len(set(ids)) == 20
    assert flow_names(url) == sorted(f"f{i}" for i in range(20))


def test_a_failing_job_is_rolled_back_alone(url: str):
    def half_then_fail(executor: StatementExecutor) -> None:
        flow_id_for_name(executor, "half-written")
        raise ValueError("no")

    async def main() -> list[object]:
        queue = SqliteWriteQueue(url)
        try:
            return await asyncio.gather(
                queue.write(record_flow("before")),
                queue.write(half_then_fail),
                queue.write(record_flow("after")),
                return_exceptions=True,
            )
        finally:
            queue.close()

    before, failed, after = asyncio.run(main())
    assert isinstance(before, uuid.UUID) and isinstance(after, uuid.UUID)
    assert isinstance(failed, ValueError)
    assert flow_names(url) == ["after", "before"]


def test_while_another_process_holds_the_lock_the_loop_keeps_serving(url: str):
    other = sqlite_connection.connect(url)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.5, other.execute, ("COMMIT",))

    async def main() -> tuple[uuid.UUID, int]:
        queue = SqliteWriteQueue(url)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.get_running_loop().create_task(tick())
        try:
            released.start()
            started = time.monotonic()
            flow_id = await queue.write(record_flow("waited"))
            assert time.monotonic() - started >= 0.4
            # Jobs queued while the first batch waits run after it.
            await queue.write(record_flow("next"))
            return flow_id, ticks
        finally:
            ticker.cancel()
            queue.close()

    try:
        flow_id, ticks = asyncio.run(main())
    finally:
        released.join()
        other.close()
    assert isinstance(flow_id, uuid.UUID)
    assert ticks >= 20, "the event loop was blocked while the file was locked"
    assert flow_names(url) == ["next", "waited"]
