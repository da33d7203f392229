"""BatchWriter: records task-run states and log lines in batches, off the engine's path.

The engine hands it a snapshot of a task run at each state change and every
log line. A batch is one transaction. `flush()` returns when everything handed
in before the call is recorded: the engine calls it before a flow run reports
its final state, and at interpreter exit.

Who writes a batch depends on the store. On the embedded SQLite file, the
thread that fills a batch writes it (about 17 ms for 400 task runs), and a
background thread writes only what has waited `BATCH_INTERVAL_SECONDS`, when the
flow is too slow to fill one, or what its filler found another process writing
(the thread waits for its turn; the flow goes on). A thread writing beside a
busy flow made both slower than taking turns: SQLite releases the GIL for each
statement, the flow takes it back at each line it prints, and the hand-overs
cost more than the rows (1,000 trivial tasks: 108 µs a task with the thread,
86 µs in turns).
Over HTTP or PostgreSQL a write mostly waits on the network, so the background
thread writes every batch, and the flow goes on meanwhile.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import uuid

from cauce.client.base import CauceClient, StoreBusy
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import State

# A batch is written once its first item has waited this long, or once it is full.
BATCH_INTERVAL_SECONDS = 0.2
BATCH_SIZE_WAKE = 2000
WRITE_ATTEMPTS = 5

# Task runs, their new states, log lines, and the state each task run's first change
# in the batch was made from.
_Batch = tuple[
    list[TaskRun], list[tuple[uuid.UUID, State]], list[LogEntry], dict[uuid.UUID, uuid.UUID]
]


class BatchWriter:
    """Queues task-run snapshots, their states and log lines, and writes them in batches.

    `writes_full_batches_itself`: the thread that fills a batch writes it (see above).
    """

    def __init__(self, client: CauceClient, writes_full_batches_itself: bool = False) -> None:
        self._client = client
        self._full_written_by_filler = writes_full_batches_itself
        self._oldest = 0.0  # when the first item of the pending batch came (monotonic)
        self._lock = threading.Condition()
        self._task_runs: dict[uuid.UUID, TaskRun] = {}
        self._states: list[tuple[uuid.UUID, State]] = []
        # For each task run in the pending batch, the state its first change there was
        # made from (None for a new run): the core compares it with what is stored.
        self._seen: dict[uuid.UUID, uuid.UUID | None] = {}
        self._logs: list[LogEntry] = []
        self._queued = 0  # items handed in so far
        self._written = 0  # items recorded (or given up on) so far
        self._writing = False  # a batch is being written, by the thread or a flusher
        self._left_to_thread = False  # the store was busy for the filler: the thread writes
        self._thread: threading.Thread | None = None
        self._closed = False

    def task_run_changed(
        self, task_run: TaskRun, state: State, seen_state_id: uuid.UUID | None
    ) -> None:
        """Record `task_run` as it is now, having entered `state` from the state whose id
        is `seen_state_id` (None for a new run).

        The run itself is queued, not a copy: the batch that takes it writes it as it
        is then, and every later change queues it again, so the last write is current.
        """
        with self._lock:
            if not self._states and not self._logs:
                self._oldest = time.monotonic()
            self._task_runs[task_run.id] = task_run
            self._seen.setdefault(task_run.id, seen_state_id)
            self._states.append((task_run.id, state))
            self._queued += 1
            self._wake_if_full()

    def log(self, entry: LogEntry) -> None:
        """Record a log line of a run."""
        with self._lock:
            if not self._states and not self._logs:
                self._oldest = time.monotonic()
            self._logs.append(entry)
            self._queued += 1
            self._wake_if_full()

    def _wake_if_full(self) -> None:
        if self._thread is None:
            self._start()
        elif self._full_written_by_filler:
            if not (self._writing or self._left_to_thread) and self._is_full():
                self._write_here(wait=False)
        elif len(self._states) + len(self._logs) == BATCH_SIZE_WAKE:
            # Once, as the batch fills up (one item comes at a time): a writer busy with
            # the last batch sees this one full when it is done, unprompted.
            self._lock.notify_all()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cauce-batch-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def flush(self, timeout: float | None = None) -> bool:
        """Record everything handed in so far before returning; False on timeout.

        The caller writes the pending batch itself unless the writer thread is
        in the middle of one: a flow run ending must not wait for a thread switch.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._queued
            while self._written < target:
                if not self._writing:
                    self._write_here()
                    continue
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def close(self) -> None:
        """Flush and stop the thread."""
        self.flush()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def _write_here(self, wait: bool = True) -> None:
        """Write the pending batch in the calling thread (the lock is held, and let go
        meanwhile). An interruption (Ctrl-C) puts the batch back, for the next writer;
        unless `wait`, so does a store another process is writing, for the thread."""
        batch = self._take()
        self._lock.release()
        written = False
        try:
            written = self._write(*batch, wait=wait)
        finally:
            self._lock.acquire()
            if written:
                self._done(batch)
            else:
                self._left_to_thread = not wait
                self._put_back(batch)

    def _put_back(self, batch: _Batch) -> None:
        """Queue a taken batch again, ahead of what came since (the lock is held)."""
        task_runs, states, logs, seen = batch
        for task_run in task_runs:
            self._task_runs.setdefault(task_run.id, task_run)
            self._seen[task_run.id] = seen.get(task_run.id)
        self._states[:0] = states
        self._logs[:0] = logs
        self._writing = False
        self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                self._wait_until_due()
                if self._closed and not self._has_work():
                    return
                batch = self._take()
            try:
                self._write(*batch)
            finally:
                with self._lock:
                    self._done(batch)

    def _wait_until_due(self) -> None:
        """Wait (the lock held) until closed, or until no write is under way and the
        pending batch is due: full, or its first item waiting long enough."""
        while True:
            if self._writing:
                self._lock.wait()
            elif self._closed:
                return
            elif not self._has_work():
                self._lock.wait(BATCH_INTERVAL_SECONDS)
            elif self._is_full():  # its filler found a write under way, or none fills
                return
            else:
                due = self._oldest + BATCH_INTERVAL_SECONDS - time.monotonic()
                if due <= 0:
                    return
                self._lock.wait(due)

    def _take(self) -> _Batch:
        """Take the pending items to write (the lock is held)."""
        self._writing = True
        task_runs, self._task_runs = list(self._task_runs.values()), {}
        states, self._states = self._states, []
        logs, self._logs = self._logs, []
        seen, self._seen = self._seen, {}
        return task_runs, states, logs, {i: s for i, s in seen.items() if s is not None}

    def _done(self, batch: _Batch) -> None:
        """Account for a written batch and wake flushers (the lock is held)."""
        self._writing = self._left_to_thread = False
        self._written += len(batch[1]) + len(batch[2])
        self._lock.notify_all()

    def _has_work(self) -> bool:
        return bool(self._states or self._logs)

    def _is_full(self) -> bool:
        return len(self._states) + len(self._logs) >= BATCH_SIZE_WAKE

    def _write(
        self,
        task_runs: list[TaskRun],
        states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen: dict[uuid.UUID, uuid.UUID],
        wait: bool = True,
    ) -> bool:
        """Write a batch, trying again with pauses; False when, not to `wait`, it left
        the batch to a writer that will."""
        if not states and not logs:
            return True
        if not wait:
            try:
                self._client.write_batch(task_runs, states, logs, seen, True, wait=False)
                return True
            except StoreBusy:
                return False
            except Exception:
                pass  # tried again below, with pauses
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self._client.write_batch(task_runs, states, logs, seen, engine_decided=True)
                return True
            except Exception as exc:
                error = exc
                if attempt < WRITE_ATTEMPTS:
                    time.sleep(0.1 * 2**attempt)
        # Last resort: one task run (with its states) or log line at a time, so that a
        # bad row loses only itself, not the whole batch.
        lost = self._write_one_by_one(task_runs, states, logs, seen)
        for flow_run_id, (lost_states, lost_logs) in lost.items():
            print(
                f"cauce: could not record {lost_states} task-run states and {lost_logs} log "
                f"lines of flow run {flow_run_id} after {WRITE_ATTEMPTS} attempts: {error}",
                file=sys.stderr,
            )
        return True

    def _write_one_by_one(
        self,
        task_runs: list[TaskRun],
        states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen: dict[uuid.UUID, uuid.UUID],
    ) -> dict[uuid.UUID | None, list[int]]:
        """Write what can be written; [task-run states, log lines] lost, by flow run."""
        states_by_run: dict[uuid.UUID, list[tuple[uuid.UUID, State]]] = {}
        for task_run_id, state in states:
            states_by_run.setdefault(task_run_id, []).append((task_run_id, state))
        runs_by_id = {task_run.id: task_run for task_run in task_runs}
        lost: dict[uuid.UUID | None, list[int]] = {}
        for task_run_id, run_states in states_by_run.items():
            run = runs_by_id.get(task_run_id)
            try:
                run_seen = {task_run_id: seen[task_run_id]} if task_run_id in seen else {}
                self._client.write_batch(
                    [run] if run else [], run_states, [], run_seen, engine_decided=True
                )
            except Exception:
                flow_run_id = run.flow_run_id if run else None
                lost.setdefault(flow_run_id, [0, 0])[0] += len(run_states)
        for entry in logs:
            try:
                self._client.write_batch([], [], [entry])
            except Exception:
                lost.setdefault(entry.flow_run_id, [0, 0])[1] += 1
        return lost
