"""The default task runner: submitted task runs execute in a pool of threads.

The threads are daemon threads, unlike concurrent.futures' pool, whose threads
the interpreter waits for at exit: a flow stopped by SIGTERM or Ctrl-C records
its unfinished task runs as Crashed or Cancelled and its process must then exit
at once, not when the task code happens to return. A flow that ends normally
waits for its task runs itself, so nothing is cut short then.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import concurrent.futures

_Work = tuple["concurrent.futures.Future[Any]", Callable[[], Any]] | None


class ThreadPoolTaskRunner:
    """Runs submitted task runs on up to `max_workers` threads of this process."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
        self._queue: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()

    def duplicate(self) -> ThreadPoolTaskRunner:
        """A fresh runner with the same options, for one flow run."""
        return type(self)(self.max_workers)

    def submit(self, fn: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        """Run `fn` on a pool thread, inside a copy of the caller's context."""
        import concurrent.futures

        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._queue.put((future, partial(contextvars.copy_context().run, fn)))
        with self._lock:
            # _idle counts threads waiting for work, minus work waiting for a thread.
            if self._idle <= 0 and len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"cauce-task-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1

    def abandon(self) -> None:
        """Nothing to do: a thread cannot be stopped from outside, and these are daemon
        threads, which the interpreter does not wait for at exit."""

    def shutdown(self) -> None:
        """Wait for submitted runs and release the threads."""
        with self._lock:
            threads, self._threads = self._threads, []
            self._idle = 0
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()
