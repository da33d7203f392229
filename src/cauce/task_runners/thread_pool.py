"""The default task runner: submitted task runs execute in a pool of threads."""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import concurrent.futures


class ThreadPoolTaskRunner:
    """Runs submitted task runs on up to `max_workers` threads of this process."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def duplicate(self) -> ThreadPoolTaskRunner:
        """A fresh runner with the same options, for one flow run."""
        return type(self)(self.max_workers)

    def submit(self, fn: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        """Run `fn` on a pool thread, inside a copy of the caller's context."""
        if self._executor is None:
            import concurrent.futures

            with self._lock:
                if self._executor is None:
                    self._executor = concurrent.futures.ThreadPoolExecutor(
                        self.max_workers, thread_name_prefix="cauce-task"
                    )
        return self._executor.submit(contextvars.copy_context().run, fn)

    def shutdown(self) -> None:
        """Wait for submitted runs and release the threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
