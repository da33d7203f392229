"""Enforce `timeout_seconds` on sync calls; async calls use asyncio.timeout at the edge.

On the main thread of a POSIX process a timer signal interrupts the call, even
inside time.sleep. Elsewhere (threads, Windows) the timeout is raised into the
running thread, which happens at its next Python instruction: a blocking C call
finishes first.
"""

from __future__ import annotations

import asyncio
import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


def timeout_error(seconds: float) -> TimeoutError:
    """The error a timed-out run raises; `cauce_timeout` tells it from the user's own."""
    error = TimeoutError(f"timed out after {seconds} second(s)")
    error.cauce_timeout = seconds  # type: ignore[attr-defined]
    return error


class _RaisedTimeout(TimeoutError):
    """Raised into a thread by the timer; turned into timeout_error() by `time_limit`."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise a timeout error in this thread if the block runs longer than `seconds`."""
    if not seconds:
        yield
        return
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        with _signal_time_limit(seconds):
            yield
        return
    with _thread_time_limit(seconds):
        yield


@contextmanager
def _signal_time_limit(seconds: float) -> Iterator[None]:
    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise timeout_error(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_time_limit(seconds: float) -> Iterator[None]:
    thread_id = threading.get_ident()
    finished = threading.Event()

    def on_timer() -> None:
        if not finished.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread_id), ctypes.py_object(_RaisedTimeout)
            )

    timer = threading.Timer(seconds, on_timer)
    timer.daemon = True
    timer.start()
    try:
        yield
    except _RaisedTimeout:
        raise timeout_error(seconds) from None
    finally:
        finished.set()
        timer.cancel()


async def await_with_time_limit(awaitable: Any, seconds: float | None) -> Any:
    """Await `awaitable`, raising a timeout error after `seconds`."""
    if not seconds:
        return await awaitable
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            raise timeout_error(seconds) from None
        raise
