"""Between a flow run and its process pool: one thread starts runs and takes their results.

Every event (a run handed in, a run's result back from the pool) goes through one
queue to one thread, so the bookkeeping needs no lock and nothing of cauce's runs in
`concurrent.futures`' own thread. A run taking inputs from other shipped runs starts
once they are back, with what they returned.

Each pool process says which run it starts, before running it, on a pipe of its own
(a `SimpleQueue`, written synchronously, so the word is out even if the process dies
next): when the pool breaks, the runs that had started are Crashed, the others start
again on a fresh pool.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cauce.task_runners.base import SubmittedRun


@dataclass(eq=False)
class Shipment:
    """A run handed to the pool, and the call that runs it there: `fn(*args, upstream)`,
    pickled as `(fn, args)`."""

    run: SubmittedRun
    payload: bytes
    upstream: list[uuid.UUID]
    blocked: int = 0
    pool: concurrent.futures.ProcessPoolExecutor | None = field(default=None)


# A run's outcome as its dependents see it: (True, what its call returned) or (False, error).
_Outcome = tuple[bool, Any]


class Dispatcher:
    """A spawn-context process pool and the thread that feeds it and records its results."""

    def __init__(
        self,
        max_workers: int,
        initializer: Callable[..., object] | None,
        initargs: tuple[Any, ...],
    ) -> None:
        import multiprocessing

        self._context = multiprocessing.get_context("spawn")
        self._max_workers = max_workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._announced = self._context.SimpleQueue()
        self._started: set[uuid.UUID] = set()
        # Whether any run ever started: a pool whose processes die before that never will.
        self._any_started = False
        self._outcomes: dict[uuid.UUID, _Outcome] = {}
        self._waiting: dict[uuid.UUID, list[Shipment]] = {}
        self._events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        # Runs handed in and not yet recorded: closing waits for them, as the thread
        # pool waits for its threads, so that a flow run ending early leaves none Pending.
        self._outstanding = 0
        self._settled = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="cauce-process-pool", daemon=True)
        self._thread.start()

    def put(self, run: SubmittedRun, payload: bytes, upstream: list[uuid.UUID]) -> None:
        """Start `run` in the pool once the shipped runs it takes inputs from are back."""
        with self._settled:
            self._outstanding += 1
        self._events.put(Shipment(run, payload, upstream))

    def close(self) -> None:
        """Wait until every run handed in is recorded, then stop the thread and the pool."""
        with self._settled:
            while self._outstanding:
                self._settled.wait()
        self._events.put(None)
        self._thread.join()

    def abandon(self) -> None:
        """End the pool's processes now and do not wait for them: their runs' ends are
        recorded already. concurrent.futures ends a pool's processes only once their
        runs return (its exit handler waits for them too), and before Python 3.14
        (`terminate_workers`) it has no public way to kill them: `_processes` it is."""
        pool = self._pool
        if pool is None:
            return
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        self._events.put(None)  # and the thread ends, in a process that goes on

    def _loop(self) -> None:
        try:
            while (event := self._events.get()) is not None:
                if isinstance(event, Shipment):
                    self._ship(event)
                else:
                    self._land(*event)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._announced.close()

    def _ship(self, shipment: Shipment) -> None:
        missing = [i for i in shipment.upstream if i not in self._outcomes]
        shipment.blocked = len(missing)
        for run_id in missing:
            self._waiting.setdefault(run_id, []).append(shipment)
        if not missing:
            self._start(shipment)

    def _start(self, shipment: Shipment) -> None:
        inputs: dict[uuid.UUID, Any] = {}
        for run_id in shipment.upstream:
            ok, value = self._outcomes[run_id]
            if not ok:
                return self._end(shipment, False, value)
            inputs[run_id] = value
        import cloudpickle

        try:
            upstream = cloudpickle.dumps(inputs) if inputs else None
        except Exception as exc:  # what an upstream run returned would not pickle
            return self._end(shipment, False, exc)
        pool = self._pool
        if pool is None:
            pool = self._pool = concurrent.futures.ProcessPoolExecutor(
                self._max_workers,
                mp_context=self._context,
                initializer=_prepare,
                initargs=(self._announced, self._initializer, self._initargs),
            )
        try:
            future = pool.submit(_call, shipment.run.task_run_id, shipment.payload, upstream)
        except concurrent.futures.BrokenExecutor:
            self._pool = None  # broken before this run's result came back: a fresh one
            pool.shutdown(wait=False)
            return self._start(shipment)
        except BaseException as exc:
            return self._end(shipment, False, exc)
        shipment.pool = pool
        future.add_done_callback(lambda done: self._events.put((shipment, done)))
        return None

    def _land(self, shipment: Shipment, future: concurrent.futures.Future[bytes]) -> None:
        self._take_announcements()
        run_id = shipment.run.task_run_id
        try:
            import cloudpickle

            returned = cloudpickle.loads(future.result())
        except concurrent.futures.BrokenExecutor as exc:
            broken = shipment.pool
            if broken is not None and broken is self._pool:
                self._pool = None
                broken.shutdown(wait=False)
            if run_id in self._started:
                self._end(shipment, False, exc)
            elif not self._any_started:
                self._end(shipment, False, RuntimeError(_NEVER_STARTED))
            else:
                self._start(shipment)  # it never started: on the fresh pool
        except BaseException as exc:
            self._end(shipment, False, exc)
        else:
            self._end(shipment, True, returned)

    def _take_announcements(self) -> None:
        # Read at every result, so the pipe never fills and blocks a pool process.
        while not self._announced.empty():
            self._started.add(self._announced.get())
            self._any_started = True

    def _end(self, shipment: Shipment, ok: bool, value: Any) -> None:
        """Record a run's outcome, then start the runs that were waiting for it."""
        run = shipment.run
        self._started.discard(run.task_run_id)
        try:
            if ok:
                run.finish(value)
            else:
                run.crash(value)
        finally:
            self._outcomes[run.task_run_id] = (ok, value)
            for waiter in self._waiting.pop(run.task_run_id, []):
                waiter.blocked -= 1
                if waiter.blocked == 0:
                    self._start(waiter)
            with self._settled:
                self._outstanding -= 1
                self._settled.notify_all()


_NEVER_STARTED = (
    "The process pool's processes ended before running any task. A pool process imports "
    'the script again: does it run its flow under `if __name__ == "__main__":`?'
)


# In a pool process: where it says which run it starts.
_announce: Any = None


def _prepare(
    announced: Any, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    """A pool process's start: keep the announcement pipe, run the user's initializer."""
    global _announce
    _announce = announced
    if initializer is not None:
        initializer(*initargs)


def _call(task_run_id: uuid.UUID, payload: bytes, upstream: bytes | None) -> bytes:
    """In a pool process: run one shipped call; what it returned, pickled."""
    import cloudpickle

    if _announce is not None:
        _announce.put(task_run_id)
    fn, args = cloudpickle.loads(payload)
    inputs = cloudpickle.loads(upstream) if upstream is not None else {}
    pickled: bytes = cloudpickle.dumps(fn(*args, inputs))
    return pickled
