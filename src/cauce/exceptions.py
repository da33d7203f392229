"""The errors flow code catches by name, where Prefect users import them
(`from prefect.exceptions import MissingContextError` → `cauce.exceptions`)."""

from __future__ import annotations

from typing import Any


class MissingContextError(RuntimeError):
    """Code that needs a flow or task run's context was called outside of any run."""


class FlowPauseTimeout(Exception):
    """A paused flow run was not resumed within its timeout."""


class FlowRunWaitTimeout(Exception):
    """`wait_for_flow_run` gave up: the flow run was not final within its timeout."""


class NotPausedError(Exception):
    """A flow run asked to resume is not paused."""


class Pause(BaseException):
    """suspend_flow_run's stop: the flow's code ends here and its engine stops the run
    without a final state (a BaseException, so that `except Exception` lets it by)."""


# Defined beside the code that raises them; read from there on first use (name: module, or
# module and the name it has there).
_ELSEWHERE: dict[str, str | tuple[str, str]] = {
    "ParameterTypeError": "cauce.engine.parameters",
    "UpstreamTaskError": "cauce.engine.task_run",
    "UnfinishedRun": "cauce.states",
    "FailedRun": "cauce.states",
    "CrashedRun": "cauce.states",
    "CancelledRun": "cauce.states",
    "ObjectNotFound": ("cauce.client.base", "NotFound"),
    "ObjectAlreadyExists": ("cauce.client.base", "AlreadyExists"),
}

__all__ = [
    "FlowPauseTimeout",
    "FlowRunWaitTimeout",
    "MissingContextError",
    "NotPausedError",
    "Pause",
    *_ELSEWHERE,
]


def __getattr__(name: str) -> Any:
    place = _ELSEWHERE.get(name)
    if place is None:
        raise AttributeError(f"cauce.exceptions has no attribute {name!r}")
    import importlib

    module, there = place if isinstance(place, tuple) else (place, name)
    return getattr(importlib.import_module(module), there)
