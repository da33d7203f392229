"""Enforce `timeout_seconds` on sync calls; async calls use asyncio.timeout at the edge.

On the main thread of a POSIX process a timer signal interrupts the call, even
inside time.sleep, and timers nest (a timed task inside a timed flow). Elsewhere
(a submitted task's thread, Windows) the call runs in a helper thread that the
caller stops waiting for at the deadline: the run ends TimedOut on time, and the
abandoned call is stopped at its next Python instruction (a blocking call in C
finishes first, in the background).
"""

from __future__ import annotations

import contextvars
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from cauce.exceptions import RunTimeoutError, TaskRunTimeoutError
from cauce.interruptions import interrupt_thread, raise_here_or_deferred

T = TypeVar("T")

# How often a caller waiting on a helper thread wakes, so that an exception raised
# into the caller (SIGTERM, Ctrl-C in the flow) reaches it promptly.
_WAIT_SLICE_SECONDS = 0.1


def timeout_error(seconds: float, error: type[RunTimeoutError]) -> RunTimeoutError:
    """The error a run past its limit raises, in Prefect's words: `error` is
    TaskRunTimeoutError or FlowRunTimeoutError; its `seconds` tells it from the user's own."""
    raised = error(f"Scope timed out after {float(seconds)} second(s).")
    raised.seconds = seconds
    return raised


def call_with_time_limit(
    fn: Callable[[], T], seconds: float | None, error: type[RunTimeoutError] = TaskRunTimeoutError
) -> T:
    """`fn()`, raising timeout_error(seconds, error) if it runs longer than `seconds`."""
    if not seconds:
        return fn()
    # Windows has no SIGALRM: there, and off the main thread, a helper thread keeps time.
    if sys.platform != "win32" and threading.current_thread() is threading.main_thread():
        with _signal_time_limit(seconds, error):
            return fn()
    return _call_in_helper_thread(fn, seconds, error)


if sys.platform != "win32":

    @contextmanager
    def _signal_time_limit(seconds: float, error: type[RunTimeoutError]) -> Iterator[None]:
        outer_remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        if outer_remaining and outer_remaining <= seconds:
            # An enclosing limit (a timed flow around this task) ends first: it alone applies.
            yield
            return
        started = time.monotonic()

        def on_alarm(_signum: int, _frame: FrameType | None) -> None:
            raise_here_or_deferred(timeout_error(seconds, error))

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer_remaining:
                # Give the enclosing limit back what is left of it (at once if already due).
                left = outer_remaining - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


class _Abandoned(BaseException):
    """Raised into a helper thread whose caller stopped waiting; never seen by anyone."""


def _call_in_helper_thread(fn: Callable[[], T], seconds: float, error: type[RunTimeoutError]) -> T:
    outcome: list[tuple[bool, Any]] = []
    lock = threading.Lock()
    finished = False
    context = contextvars.copy_context()

    def target() -> None:
        nonlocal finished
        try:
            try:
                outcome.append((True, context.run(fn)))
            except BaseException as exc:
                outcome.append((False, exc))
            finally:
                with lock:
                    finished = True
        except BaseException:
            return  # an exception raised into this thread as it was finishing

    def stop(exc_type: type[BaseException]) -> None:
        with lock:
            if not finished and helper.ident is not None:
                interrupt_thread(helper.ident, exc_type)

    helper = threading.Thread(target=target, name="cauce-timed-call", daemon=True)
    deadline = time.monotonic() + seconds
    helper.start()
    try:
        while helper.is_alive() and (remaining := deadline - time.monotonic()) > 0:
            helper.join(min(remaining, _WAIT_SLICE_SECONDS))
    except BaseException as exc:
        stop(type(exc))  # the caller was interrupted: so is the call
        raise
    if not outcome:
        stop(_Abandoned)
        raise timeout_error(seconds, error)
    succeeded, value = outcome[0]
    if succeeded:
        result: T = value
        return result
    raise value


async def await_with_time_limit(
    awaitable: Any, seconds: float | None, error: type[RunTimeoutError] = TaskRunTimeoutError
) -> Any:
    """Await `awaitable`, raising timeout_error(seconds, error) after `seconds`."""
    import asyncio  # here: a sync run never loads asyncio

    if not seconds:
        return await awaitable
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            raise timeout_error(seconds, error) from None
        raise
