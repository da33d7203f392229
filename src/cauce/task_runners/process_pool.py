"""ProcessPoolTaskRunner: submitted task runs execute in a pool of worker processes.

Prefect's `prefect.task_runners.ProcessPoolTaskRunner` under cauce's name: CPU-bound
tasks run in parallel past the GIL. Each run is shipped as the Dask runner ships it
(engine/remote.py): pickled with cloudpickle, so a task defined in the script being
run (`__main__`) goes by value; it runs with cauce's engine in a pool process, and its
states and log lines come back with its result and are recorded by the flow's process.

The processes are started with "spawn" on every platform, as Windows must and as
Prefect does: a pool process starts from a fresh interpreter that imports the
script again under another name, so the script runs its flow under
`if __name__ == "__main__":`, as Python's multiprocessing requires of any spawned pool.

A pool process that dies (killed, `os._exit`) breaks the whole pool, and Python ends
every process in it: the runs that had started in it are recorded Crashed; those that
had not are run again on a fresh pool, so the flow run goes on.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cauce.task_runners.base import SubmittedRun

if TYPE_CHECKING:
    from cauce.task_runners.process_shipping import Dispatcher


class ProcessPoolTaskRunner:
    """Runs submitted task runs on up to `max_workers` processes (the machine's CPU
    count by default), started with the first submitted run and stopped when the flow
    run ends.

    `initializer(*initargs)` runs once in each pool process before its first task, as
    with `concurrent.futures.ProcessPoolExecutor`; both must pickle.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        if max_workers is not None and max_workers < 1:
            raise ValueError("ProcessPoolTaskRunner: max_workers must be at least 1")
        count = max_workers or os.cpu_count() or 1
        if sys.platform == "win32":
            count = min(count, 61)  # Windows waits on at most 63 handles at once
        self.max_workers = count
        self.initializer = initializer
        self.initargs = tuple(initargs)
        self._dispatcher: Dispatcher | None = None
        self._shipped: set[uuid.UUID] = set()
        self._lock = threading.Lock()

    def duplicate(self) -> ProcessPoolTaskRunner:
        """A fresh runner with the same options, for one flow run."""
        return type(self)(self.max_workers, self.initializer, self.initargs)

    def submit(self, run: SubmittedRun) -> None:
        """Ship `run` to the pool; it is recorded when its result comes back."""
        with self._lock:
            dispatcher = self._dispatcher
            if dispatcher is None:
                from cauce.task_runners.process_shipping import Dispatcher

                dispatcher = Dispatcher(self.max_workers, self.initializer, self.initargs)
                self._dispatcher = dispatcher
        # Here, in the submitting thread: the run's inputs and its flow run's options.
        fn, args, upstream = run.shipment(self._shipped)
        import cloudpickle

        try:
            payload = cloudpickle.dumps((fn, args))
        except Exception as exc:  # as in Prefect, `.submit()` raises it (TypeError mostly)
            run.crash(exc)
            raise
        self._shipped.add(run.task_run_id)
        dispatcher.put(run, payload, upstream)

    def shutdown(self) -> None:
        """Wait for the submitted runs, then stop the pool's processes."""
        with self._lock:
            dispatcher, self._dispatcher = self._dispatcher, None
            self._shipped = set()
        if dispatcher is not None:
            dispatcher.close()

    def abandon(self) -> None:
        """End the pool's processes, runs and all, so this process can exit at once."""
        with self._lock:
            dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.abandon()

    def __repr__(self) -> str:
        return f"ProcessPoolTaskRunner(max_workers={self.max_workers})"
