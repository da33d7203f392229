"""Turn what user code did into a proposed final state. Pure."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from cauce.exceptions import RunTimeoutError
from cauce.interruptions import TerminationSignal
from cauce.states import (
    AwaitingRetry,
    Cancelled,
    Completed,
    Crashed,
    Failed,
    State,
    TimedOut,
    now_utc,
)


def is_interruption(exc: BaseException) -> bool:
    """Whether `exc` stops a run from outside its code (Ctrl-C, SIGTERM, cancellation).

    Such a run ends at once, without a retry, and its submitted task runs with it.
    """
    return isinstance(exc, KeyboardInterrupt | TerminationSignal) or _is_cancellation(exc)


def _is_cancellation(exc: BaseException) -> bool:
    # asyncio is only loaded by async runs: without it there is no CancelledError.
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and isinstance(exc, asyncio.CancelledError)


def exception_summary(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def state_from_exception(exc: BaseException, kind: str) -> State:
    """The final state of a run (`kind` is "Flow run" or "Task run") that raised `exc`.

    The messages are Prefect's, so that alerts matching on them keep working.
    """
    if isinstance(exc, KeyboardInterrupt):
        return Cancelled(f"{kind} was interrupted (KeyboardInterrupt).", data=exc)
    if isinstance(exc, TerminationSignal):
        return Crashed(f"{kind} was stopped by a termination signal (SIGTERM).", data=exc)
    if _is_cancellation(exc):
        return Cancelled(f"{kind} was cancelled (asyncio.CancelledError).", data=exc)
    if isinstance(exc, SystemExit | GeneratorExit):
        return Crashed(f"{kind} exited early ({exception_summary(exc)}).", data=exc)
    if isinstance(exc, RunTimeoutError) and exc.seconds is not None:
        seconds = float(exc.seconds)  # 2.0 as Prefect writes it, for timeout_seconds=2
        return TimedOut(f"{kind} exceeded timeout of {seconds} second(s)", data=exc)
    # Prefect's wording: "Flow run encountered an exception: ValueError: boom",
    # "Task run encountered an exception ValueError: boom".
    separator = ":" if kind == "Flow run" else ""
    return Failed(f"{kind} encountered an exception{separator} {exception_summary(exc)}", data=exc)


def awaiting_retry(failed: State, delay_seconds: float) -> State:
    """The state of a failed run whose next attempt starts `delay_seconds` from now."""
    state = AwaitingRetry(now_utc(), message=failed.message)
    state.scheduled_time = state.timestamp + timedelta(seconds=delay_seconds)
    return state


def flow_state_from_return(value: Any, unseen_failures: Sequence[State], child_count: int) -> State:
    """The final state of a flow run that returned `value`.

    States returned by the flow decide it (futures are returned as their states,
    see FlowRunEngine.on_return); otherwise a submitted task run that
    failed without anyone looking fails the flow; a flow returning None reports
    on its children as Prefect does ('All states completed.').
    """
    if isinstance(value, State) and value.is_final():
        # A returned state is the flow's own, as in Prefect: its type, message and result.
        return State(value.type, value.name, value.message, data=value.data)
    returned = _returned_states(value)
    if returned is not None:
        failed = [s for s in returned if not s.is_completed()]
        if failed:
            error = failed[0].data
            return Failed(
                f"{len(failed)}/{len(returned)} states failed.",
                data=error if isinstance(error, BaseException) else value,
            )
        return Completed("All states completed.", data=value)
    if unseen_failures:
        total = max(child_count, len(unseen_failures))
        error = unseen_failures[0].data
        return Failed(
            f"{len(unseen_failures)}/{total} states failed.",
            data=error if isinstance(error, BaseException) else value,
        )
    if value is None:
        return Completed("All states completed.", data=None)
    return Completed(data=value)


def _returned_states(value: Any) -> list[State] | None:
    if isinstance(value, list | tuple | set) and value and all(isinstance(v, State) for v in value):
        return list(value)
    return None
