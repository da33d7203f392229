"""The errors flow code catches by name, where Prefect users import them
(`from prefect.exceptions import MissingContextError` → `cauce.exceptions`).

`CauceException` (also named `PrefectException`) is the base of the errors cauce raises
about runs and their states: MissingContextError, MissingResult, the pause and wait
timeouts, and UnfinishedRun with FailedRun, CrashedRun and CancelledRun. The client's
errors (ObjectNotFound, ObjectAlreadyExists) and the argument errors (ParameterTypeError,
UpstreamTaskError) are not under it yet. Signals that end a run from outside (Pause,
Abort, TerminationSignal) are BaseExceptions, so that `except Exception` lets them by.
A run past its `timeout_seconds` raises TaskRunTimeoutError or FlowRunTimeoutError,
TimeoutErrors as in Prefect.
"""

from __future__ import annotations

from typing import Any


class CauceException(Exception):
    """The base of the errors cauce raises about runs and their states."""


PrefectException = CauceException
"""Prefect's name for the base, so that `except PrefectException` keeps working."""


class MissingContextError(CauceException, RuntimeError):
    """Code that needs a flow or task run's context was called outside of any run."""


class MissingResult(CauceException):
    """`result()` of a Completed state that carries no value: one made without data, or a
    run's state read back from the store when its result was not persisted."""


class FlowPauseTimeout(CauceException):
    """A paused flow run was not resumed within its timeout."""


class FlowRunWaitTimeout(CauceException):
    """`wait_for_flow_run` gave up: the flow run was not final within its timeout."""


class NotPausedError(CauceException):
    """A flow run asked to resume is not paused."""


class RunTimeoutError(TimeoutError):
    """A run went past its `timeout_seconds`; `seconds` is that limit. A TimeoutError, so
    that `except TimeoutError` catches it."""

    seconds: float | None = None


class TaskRunTimeoutError(RunTimeoutError):
    """A task run went past its `timeout_seconds` (Prefect's name, from prefect.task_engine)."""


class FlowRunTimeoutError(RunTimeoutError):
    """A flow run went past its `timeout_seconds` (Prefect's name, from prefect.flow_engine)."""


class Pause(BaseException):
    """suspend_flow_run's stop: the flow's code ends here and its engine stops the run
    without a final state (a BaseException, so that `except Exception` lets it by)."""


class Abort(BaseException):
    """Prefect's signal that the API refused a run's start. cauce does not raise it: a
    flow run the store refuses to start ends in the state it was in, and its `result()`
    says so."""


# Defined beside the code that raises them; read from there on first use (name: module, or
# module and the name it has there).
_ELSEWHERE: dict[str, str | tuple[str, str]] = {
    "ParameterTypeError": "cauce.engine.parameters",
    "UpstreamTaskError": "cauce.engine.task_run",
    "UnfinishedRun": "cauce.states",
    "FailedRun": "cauce.states",
    "CrashedRun": "cauce.states",
    "CancelledRun": "cauce.states",
    "TerminationSignal": "cauce.interruptions",
    "ObjectNotFound": ("cauce.client.base", "NotFound"),
    "ObjectAlreadyExists": ("cauce.client.base", "AlreadyExists"),
}

__all__ = [
    "Abort",
    "CauceException",
    "FlowPauseTimeout",
    "FlowRunTimeoutError",
    "FlowRunWaitTimeout",
    "MissingContextError",
    "MissingResult",
    "NotPausedError",
    "Pause",
    "PrefectException",
    "RunTimeoutError",
    "TaskRunTimeoutError",
    *_ELSEWHERE,
]


def __getattr__(name: str) -> Any:
    place = _ELSEWHERE.get(name)
    if place is None:
        raise AttributeError(f"cauce.exceptions has no attribute {name!r}")
    import importlib

    module, there = place if isinstance(place, tuple) else (place, name)
    return getattr(importlib.import_module(module), there)
