"""A flow filling a batch while another process writes the embedded file goes on.

On the embedded SQLite file the thread that fills a batch writes it. When another
connection holds the file's write lock (another flow, a server, `cauce` pruning),
the filler does not wait out the busy timeout (a minute): it leaves the batch to
the writer thread, which waits its turn and writes it once the lock is free.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from cauce.client import batch_writer
from cauce.client.base import StoreBusy
from cauce.client.batch_writer import BatchWriter
from cauce.client.embedded import EmbeddedClient
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Pending, State, now_utc


class NotingClient(EmbeddedClient):
    """An embedded client noting which thread asked for each batch write, and whether
    it would wait."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.asked: list[tuple[str, bool]] = []

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
        engine_decided: bool = False,
        wait: bool = True,
    ) -> None:
        self.asked.append((threading.current_thread().name, wait))
        super().write_batch(task_runs, task_run_states, logs, seen_state_ids, engine_decided, wait)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "cauce.db"


@pytest.fixture
def client(database: Path) -> NotingClient:
    return NotingClient(f"sqlite:///{database}")


@pytest.fixture
def flow_run(client: NotingClient) -> FlowRun:
    run = FlowRun(new_id(), "f", "r", Pending(), created=now_utc())
    client.create_flow_run(run, None)
    return run


@pytest.fixture
def writer(client: NotingClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchWriter]:
    # Only a full batch is due: what the thread writes here, it writes for its filler.
    monkeypatch.setattr(batch_writer, "BATCH_INTERVAL_SECONDS", 60)
    writer = BatchWriter(client, writes_full_batches_itself=True)
    yield writer
    atexit.unregister(writer.close)
    writer.close()


@pytest.fixture
def other_process_writing(database: Path, flow_run: FlowRun) -> Iterator[sqlite3.Connection]:
    """Another connection to the file (made with its flow run), holding its write lock
    until the test commits."""
    other = sqlite3.connect(database, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def logged(database: Path, flow_run: FlowRun) -> int:
    with sqlite3.connect(database, timeout=5) as reader:
        count: int = reader.execute(
            "SELECT count(*) FROM logs WHERE flow_run_id = ?", (flow_run.id.hex,)
        ).fetchone()[0]
    return count


def eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def line(flow_run: FlowRun, n: int) -> LogEntry:
    return LogEntry(flow_run.id, None, "x", 20, f"line {n}", now_utc())


def hand_in_lines(writer: BatchWriter, flow_run: FlowRun, count: int) -> None:
    for n in range(count):
        writer.log(line(flow_run, n))


@pytest.mark.timeout(60)
def test_a_full_batch_is_left_to_the_thread_while_another_process_writes(
    writer: BatchWriter,
    client: NotingClient,
    flow_run: FlowRun,
    database: Path,
    other_process_writing: sqlite3.Connection,
) -> None:
    started = time.monotonic()
    hand_in_lines(writer, flow_run, batch_writer.BATCH_SIZE_WAKE + 500)
    # Far less than the minute's busy timeout a waiting write would have sat through.
    assert time.monotonic() - started < 10
    assert logged(database, flow_run) == 0
    # The filler asked once, without waiting; the thread then waits for its turn.
    assert client.asked[0] == (threading.current_thread().name, False)
    assert eventually(lambda: ("cauce-batch-writer", True) in client.asked)
    assert [who for who, _ in client.asked] == [
        threading.current_thread().name,
        "cauce-batch-writer",
    ]

    other_process_writing.execute("COMMIT")

    assert writer.flush(timeout=30)
    assert logged(database, flow_run) == batch_writer.BATCH_SIZE_WAKE + 500


@pytest.mark.timeout(60)
def test_once_the_thread_has_written_the_filler_writes_full_batches_again(
    writer: BatchWriter,
    client: NotingClient,
    flow_run: FlowRun,
    database: Path,
    other_process_writing: sqlite3.Connection,
) -> None:
    hand_in_lines(writer, flow_run, batch_writer.BATCH_SIZE_WAKE)
    other_process_writing.execute("COMMIT")
    assert writer.flush(timeout=30)
    client.asked.clear()

    hand_in_lines(writer, flow_run, batch_writer.BATCH_SIZE_WAKE)

    assert client.asked == [(threading.current_thread().name, False)]
    assert logged(database, flow_run) == 2 * batch_writer.BATCH_SIZE_WAKE


def test_a_write_that_would_wait_raises_store_busy_and_writes_nothing(
    client: NotingClient,
    flow_run: FlowRun,
    database: Path,
    other_process_writing: sqlite3.Connection,
) -> None:
    started = time.monotonic()
    with pytest.raises(StoreBusy, match="being written by another process"):
        client.write_batch([], [], [line(flow_run, 0)], wait=False)
    assert time.monotonic() - started < 5
    other_process_writing.execute("COMMIT")

    client.write_batch([], [], [line(flow_run, 1)], wait=False)  # free again: written
    assert logged(database, flow_run) == 1
