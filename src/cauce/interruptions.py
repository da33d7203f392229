"""Stopping runs from outside: while a flow runs, SIGTERM and Ctrl-C become exceptions in
the main thread, a timed-out call gets one too, and none of them lands in the middle of
cauce's own bookkeeping.

Signals may stop user code anywhere, but not inside `interruptions_deferred()`: an
exception raised between taking a lock and entering its `with` block leaves the lock
held (the batch writer then waits for it forever at exit), and one raised while
ThreadPoolExecutor starts a thread leaves the thread unknown to it (the interpreter
then waits for that thread forever). There, the exception waits for the block's end.

Beside the engine, not inside it: run loggers defer interruptions too (a record is
written under its handlers' locks), and logging sits below the engine.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# The exit status of a process stopped by SIGTERM, as a shell reports it (128 + 15).
SIGTERM_EXIT_STATUS = 143


class TerminationSignal(SystemExit):
    """SIGTERM arrived while a run was executing.

    A SystemExit, so that once the runs are recorded the process ends with status
    143 and no traceback, as it would have without cauce's handler.
    """

    def __init__(self) -> None:
        super().__init__(SIGTERM_EXIT_STATUS)


# Per thread: how deep in deferred blocks it is, and the exception waiting for their end.
_depths: dict[int, int] = {}
_pending: dict[int, BaseException] = {}


class interruptions_deferred:  # lower-case: used like contextlib's context managers
    """Within the block, an interruption of this thread is raised at the block's end.

    A class, not a generator: it wraps every record made on the hot path.
    """

    __slots__ = ("_thread_id",)

    def __enter__(self) -> None:
        self._thread_id = thread_id = threading.get_ident()
        _depths[thread_id] = _depths.get(thread_id, 0) + 1

    def __exit__(self, *_exc_info: object) -> None:
        thread_id = self._thread_id
        depth = _depths[thread_id] - 1
        if depth:
            _depths[thread_id] = depth
            return
        del _depths[thread_id]
        pending = _pending.pop(thread_id, None)
        if pending is not None:
            raise pending


def raise_here_or_deferred(exc: BaseException) -> None:
    """Raise `exc` in this thread now, or at the end of the deferred block it is in."""
    thread_id = threading.get_ident()
    if _depths.get(thread_id):
        _pending.setdefault(thread_id, exc)
        return
    raise exc


def interrupt_thread(thread_id: int, exc_type: type[BaseException]) -> None:
    """Raise `exc_type` in another thread, at its next Python instruction or at the end of
    the deferred block it is in. A blocking call in C (time.sleep, a socket read)
    finishes first."""
    if _depths.get(thread_id):
        _pending.setdefault(thread_id, exc_type())
        return
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type)
    )


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # One graceful stop: a second SIGTERM kills the process as it would without cauce.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise_here_or_deferred(TerminationSignal())


def _on_sigint(_signum: int, _frame: FrameType | None) -> None:
    raise_here_or_deferred(KeyboardInterrupt())


@contextmanager
def interruptions_raise() -> Iterator[None]:
    """Within the block, SIGTERM raises TerminationSignal and Ctrl-C KeyboardInterrupt.

    Only on the main thread, and only for signals whose handler is Python's default
    (asyncio.run, for one, has its own for Ctrl-C).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signal.SIGTERM: signal.getsignal(signal.SIGTERM),
        signal.SIGINT: signal.getsignal(signal.SIGINT),
    }
    if previous[signal.SIGTERM] is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    if previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
