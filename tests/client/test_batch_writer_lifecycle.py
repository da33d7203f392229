"""How the batch writer records: its thread, flushes, retries and what a bad row loses.

test_batch_writer.py shows that everything handed in is recorded; these show
how, on a real SQLite database: one daemon thread that wakes early for a full
batch, one write at a time, flushes that wait no longer than asked, five
attempts with a doubling pause, then one row at a time so that a bad row loses
only itself and the loss is reported by flow run. A write can be held at a
gate or made to fail, as a busy or unreachable database would.
"""

from __future__ import annotations

import atexit
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cauce.client import batch_writer
from cauce.client.batch_writer import BatchWriter
from cauce.client.embedded import EmbeddedClient
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Pending, Running, State, now_utc

PAUSES = [0.2, 0.4, 0.8, 1.6]  # between the five attempts of a batch


class HeldClient(EmbeddedClient):
    """An embedded client whose writes wait at `gate` and fail while `failures` lasts,
    noting each write it is asked for: its sizes and the thread that asked."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.failures = 0
        self.pause = 0.0
        self.calls: list[tuple[int, int, int, threading.Thread]] = []
        self.active = self.most_active = 0
        self._counting = threading.Lock()

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
        engine_decided: bool = False,
        wait: bool = True,
    ) -> None:
        with self._counting:
            sizes = (len(task_runs), len(task_run_states), len(logs))
            self.calls.append((*sizes, threading.current_thread()))
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        self.entered.set()
        try:
            assert self.gate.wait(10), "the test never opened the gate"
            if self.pause:
                threading.Event().wait(self.pause)
            with self._counting:
                failing = self.failures > 0
                self.failures -= failing
            if failing:
                raise OSError("database unavailable")
            super().write_batch(
                task_runs, task_run_states, logs, seen_state_ids, engine_decided, wait
            )
        finally:
            with self._counting:
                self.active -= 1


def returns_within(seconds: float, call: Callable[[], Any]) -> Any:
    """What `call()` returns, failing the test if it takes longer than `seconds`."""
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"did not return within {seconds} s"
    return outcome[0]


def eventually(check: Callable[[], bool], seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.01)
    return True


@pytest.fixture
def client(tmp_path: Path) -> HeldClient:
    return HeldClient(f"sqlite:///{tmp_path / 'cauce.db'}")


@pytest.fixture
def flow_run(client: HeldClient) -> FlowRun:
    run = FlowRun(new_id(), "f", "r", Pending(), created=now_utc())
    client.create_flow_run(run, None)
    return run


@pytest.fixture
def writer(client: HeldClient) -> Iterator[BatchWriter]:
    writer = BatchWriter(client)
    yield writer
    client.gate.set()
    client.failures = 0
    # Closed here, in bounded time, and not again at exit: a writer that cannot finish
    # must fail its test, not hold the interpreter open.
    atexit.unregister(writer.close)
    returns_within(2, writer.close)


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the writer asks time.sleep for, taken without waiting (these tests
    wait on events, never on time.sleep)."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


@pytest.fixture
def long_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """A minute's interval: only a full batch (or a flush) is written, however slow the
    machine running the test."""
    monkeypatch.setattr(batch_writer, "BATCH_INTERVAL_SECONDS", 60)


def line(flow_run_id: uuid.UUID, text: str) -> LogEntry:
    return LogEntry(flow_run_id, None, "x", 20, text, now_utc())


def messages(client: HeldClient, flow_run: FlowRun) -> list[str]:
    return [entry.message for _, entry in client.read_logs(flow_run.id, limit=10_000)]


def hand_in_task_run(writer: BatchWriter, flow_run_id: uuid.UUID, *states: State) -> TaskRun:
    task_run = TaskRun(new_id(), flow_run_id, "t", f"t-{len(states)}", states[0])
    seen = None
    for state in states:
        task_run.state = state
        writer.task_run_changed(task_run, state, seen)
        seen = state.id
    return task_run


class TestTheThread:
    def test_the_first_item_starts_one_daemon_thread_named_cauce_batch_writer(
        self, writer: BatchWriter, flow_run: FlowRun
    ) -> None:
        before = set(threading.enumerate())
        writer.log(line(flow_run.id, "a"))
        writer.log(line(flow_run.id, "b"))
        [thread] = [t for t in threading.enumerate() if t not in before]
        assert thread.name == "cauce-batch-writer"
        assert thread.daemon and thread.is_alive()

    def test_items_are_recorded_without_a_flush_batch_after_batch(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        writer.log(line(flow_run.id, "a"))
        assert eventually(lambda: messages(client, flow_run) == ["a"])
        task_run = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        writer.log(line(flow_run.id, "b"))
        assert eventually(lambda: messages(client, flow_run) == ["a", "b"])
        assert eventually(lambda: len(client.read_task_run_states(task_run.id)) == 2)
        assert {call[3].name for call in client.calls} == {"cauce-batch-writer"}

    def test_the_thread_outlives_an_idle_interval(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        before = set(threading.enumerate())
        writer.log(line(flow_run.id, "a"))
        [thread] = [t for t in threading.enumerate() if t not in before]
        assert eventually(lambda: messages(client, flow_run) == ["a"])
        threading.Event().wait(2.5 * batch_writer.BATCH_INTERVAL_SECONDS)  # nothing to do
        assert thread.is_alive()
        writer.log(line(flow_run.id, "b"))
        assert eventually(lambda: messages(client, flow_run) == ["a", "b"])

    def test_close_records_what_is_left_and_ends_the_thread(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        before = set(threading.enumerate())
        writer.log(line(flow_run.id, "last"))
        [thread] = [t for t in threading.enumerate() if t not in before]
        returns_within(3, writer.close)
        assert messages(client, flow_run) == ["last"]
        thread.join(5)
        assert not thread.is_alive()

    def test_a_full_batch_wakes_the_thread_before_its_interval(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        long_interval: None,
    ) -> None:
        for _ in range(333):  # 999 states and 1000 lines: one short of a full batch
            hand_in_task_run(writer, flow_run.id, Pending(), Running(), Completed())
        for n in range(1000):
            writer.log(line(flow_run.id, f"line {n}"))
        threading.Event().wait(0.3)
        assert client.calls == []
        writer.log(line(flow_run.id, "the 2000th"))
        assert eventually(lambda: len(messages(client, flow_run)) == 1001)
        assert [call[:3] for call in client.calls] == [(333, 999, 1001)]

    def test_a_batch_that_filled_during_a_write_is_written_next_without_waiting(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        long_interval: None,
    ) -> None:
        client.gate.clear()
        for n in range(2000):
            writer.log(line(flow_run.id, f"first {n}"))
        assert client.entered.wait(5)  # the thread is writing the first full batch
        for n in range(2000):
            writer.log(line(flow_run.id, f"second {n}"))
        client.gate.set()  # no more items come to wake it: it must see the batch is full
        assert eventually(lambda: len(messages(client, flow_run)) == 4000)
        assert [call[:3] for call in client.calls] == [(0, 0, 2000), (0, 0, 2000)]


class TestFullBatchesWrittenByTheirFiller:
    """On the embedded SQLite file the thread that fills a batch writes it; the
    background thread writes only what has waited an interval."""

    @pytest.fixture
    def writer(self, client: HeldClient) -> Iterator[BatchWriter]:
        writer = BatchWriter(client, writes_full_batches_itself=True)
        yield writer
        client.gate.set()
        atexit.unregister(writer.close)
        returns_within(2, writer.close)

    def test_a_full_batch_is_written_by_the_thread_that_filled_it(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        long_interval: None,
    ) -> None:
        for _ in range(333):
            hand_in_task_run(writer, flow_run.id, Pending(), Running(), Completed())
        for n in range(1001):  # the 2,000th item fills the batch
            writer.log(line(flow_run.id, f"line {n}"))
        # Written before the last call returned, by this thread: no waiting on another.
        assert [(*call[:3], call[3].name) for call in client.calls] == [
            (333, 999, 1001, threading.current_thread().name)
        ]
        assert len(messages(client, flow_run)) == 1001

    def test_what_does_not_fill_a_batch_is_written_by_the_thread_after_an_interval(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        task_run = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        writer.log(line(flow_run.id, "a"))
        assert eventually(lambda: messages(client, flow_run) == ["a"])
        assert [s.name for s in client.read_task_run_states(task_run.id)] == ["Pending", "Running"]
        assert {call[3].name for call in client.calls} == {"cauce-batch-writer"}

    def test_the_thread_waits_until_the_first_item_is_an_interval_old(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(batch_writer, "BATCH_INTERVAL_SECONDS", 0.5)
        handed_in = time.monotonic()  # before the writer notes the item's time, not after
        writer.log(line(flow_run.id, "first"))
        assert eventually(lambda: messages(client, flow_run) == ["first"])
        assert time.monotonic() - handed_in >= 0.5

    def test_a_batch_full_while_the_thread_writes_is_written_next_by_the_thread(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        client.gate.clear()
        writer.log(line(flow_run.id, "held"))
        assert client.entered.wait(5)  # the thread writes "held" once it is due
        monkeypatch.setattr(batch_writer, "BATCH_INTERVAL_SECONDS", 60)
        for n in range(2000):  # full, but a write is under way: its filler leaves it
            writer.log(line(flow_run.id, f"queued {n}"))
        client.gate.set()
        assert eventually(lambda: len(messages(client, flow_run)) == 2001)
        assert [(*call[:3], call[3].name) for call in client.calls] == [
            (0, 0, 1, "cauce-batch-writer"),
            (0, 0, 2000, "cauce-batch-writer"),
        ]

    def test_an_interrupted_write_puts_its_batch_back_for_the_next(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        long_interval: None,
    ) -> None:
        interrupt = [True]
        write = client.write_batch

        def interrupted_once(*args: Any, **kwargs: Any) -> None:
            if interrupt.pop() if interrupt else False:
                raise KeyboardInterrupt
            write(*args, **kwargs)

        client.write_batch = interrupted_once  # type: ignore[method-assign]
        task_run = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        with pytest.raises(KeyboardInterrupt):
            for n in range(1998):
                writer.log(line(flow_run.id, f"line {n}"))
        hand_in_task_run(writer, flow_run.id, Pending())
        task_run.state = Completed()
        writer.task_run_changed(task_run, task_run.state, None)
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert len(messages(client, flow_run)) == 1998
        assert [s.name for s in client.read_task_run_states(task_run.id)] == [
            "Pending",
            "Running",
            "Completed",
        ]


class TestFlush:
    def test_flush_writes_in_the_calling_thread_when_the_thread_is_idle(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        writer.log(line(flow_run.id, "now"))
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert messages(client, flow_run) == ["now"]
        [(_, _, _, writing_thread)] = client.calls
        assert writing_thread.name != "cauce-batch-writer"  # the flushing thread wrote it

    def test_flush_records_task_run_states_alone(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        task_run = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert [s.name for s in client.read_task_run_states(task_run.id)] == [
            "Pending",
            "Running",
        ]

    def test_flush_waits_for_the_batch_the_thread_is_writing_then_writes_the_rest(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        client.gate.clear()
        writer.log(line(flow_run.id, "held"))
        assert client.entered.wait(5)  # the thread has taken "held" and waits at the gate
        writer.log(line(flow_run.id, "after"))
        task_run = hand_in_task_run(writer, flow_run.id, Pending())
        threading.Timer(0.05, client.gate.set).start()
        assert returns_within(3, lambda: writer.flush(timeout=0.9))
        assert messages(client, flow_run) == ["held", "after"]
        assert [s.name for s in client.read_task_run_states(task_run.id)] == ["Pending"]
        assert client.most_active == 1

    def test_flush_gives_up_after_its_timeout_while_a_write_is_held(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        client.gate.clear()
        writer.log(line(flow_run.id, "held"))
        assert client.entered.wait(5)
        threading.Timer(0.6, client.gate.set).start()
        assert returns_within(0.5, lambda: writer.flush(timeout=0.1)) is False
        assert returns_within(3, writer.flush) is True
        assert messages(client, flow_run) == ["held"]

    def test_flush_without_a_timeout_waits_for_a_held_write(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        client.gate.clear()
        writer.log(line(flow_run.id, "held"))
        assert client.entered.wait(5)
        threading.Timer(0.1, client.gate.set).start()
        assert returns_within(3, writer.flush) is True
        assert messages(client, flow_run) == ["held"]

    def test_only_one_batch_is_written_at_a_time(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun
    ) -> None:
        client.pause = 0.01

        def produce(name: str) -> None:
            for n in range(30):
                writer.log(line(flow_run.id, f"{name}-{n}"))
                if n % 3 == 0:
                    writer.flush()

        threads = [threading.Thread(target=produce, args=(f"p{i}",), daemon=True) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads)
        assert returns_within(3, writer.flush)
        assert len(messages(client, flow_run)) == 120
        assert client.most_active == 1


class TestRetries:
    def test_a_failing_batch_is_tried_again_with_doubling_pauses(
        self, writer: BatchWriter, client: HeldClient, flow_run: FlowRun, pauses: list[float]
    ) -> None:
        client.failures = 4
        writer.log(line(flow_run.id, "a"))
        writer.log(line(flow_run.id, "b"))
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert messages(client, flow_run) == ["a", "b"]
        assert [call[:3] for call in client.calls] == [(0, 0, 2)] * 5
        assert pauses == pytest.approx(PAUSES)

    def test_after_five_failed_attempts_rows_are_written_one_at_a_time(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        pauses: list[float],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        client.failures = 5
        task_run = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        writer.log(line(flow_run.id, "a"))
        writer.log(line(flow_run.id, "b"))
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert [call[:3] for call in client.calls] == [(1, 2, 2)] * 5 + [
            (1, 2, 0),
            (0, 0, 1),
            (0, 0, 1),
        ]
        assert pauses == pytest.approx(PAUSES)  # none after the last attempt
        assert messages(client, flow_run) == ["a", "b"]
        assert len(client.read_task_run_states(task_run.id)) == 2
        assert capsys.readouterr().err == ""

    def test_a_batch_that_never_goes_through_is_reported_lost_with_the_error(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        pauses: list[float],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        client.failures = 1_000
        hand_in_task_run(writer, flow_run.id, Pending(), Running())
        writer.log(line(flow_run.id, "a"))
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert capsys.readouterr().err.splitlines() == [
            f"cauce: could not record 2 task-run states and 1 log lines of flow run "
            f"{flow_run.id} after 5 attempts: database unavailable"
        ]
        assert messages(client, flow_run) == []


class TestBadRows:
    def test_bad_rows_lose_only_themselves_and_are_counted_by_flow_run(
        self,
        writer: BatchWriter,
        client: HeldClient,
        flow_run: FlowRun,
        pauses: list[float],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        # Rows of flow runs that do not exist break the foreign keys, on every attempt.
        gone, also_gone = uuid.uuid4(), uuid.uuid4()
        good = hand_in_task_run(writer, flow_run.id, Pending(), Running())
        hand_in_task_run(writer, gone, Pending(), Running(), Completed())
        hand_in_task_run(writer, gone, Pending(), Running())
        writer.log(line(flow_run.id, "kept 1"))
        writer.log(line(also_gone, "orphan 1"))
        writer.log(line(flow_run.id, "kept 2"))
        writer.log(line(also_gone, "orphan 2"))
        assert returns_within(3, lambda: writer.flush(timeout=2))
        assert [t.id for t in client.read_task_runs(flow_run.id)] == [good.id]
        assert [s.name for s in client.read_task_run_states(good.id)] == ["Pending", "Running"]
        assert messages(client, flow_run) == ["kept 1", "kept 2"]
        reported = capsys.readouterr().err.splitlines()
        assert [r.split(" after ")[0] for r in reported] == [
            f"cauce: could not record 5 task-run states and 0 log lines of flow run {gone}",
            f"cauce: could not record 0 task-run states and 2 log lines of flow run {also_gone}",
        ]
        assert all(r.endswith("after 5 attempts: FOREIGN KEY constraint failed") for r in reported)
