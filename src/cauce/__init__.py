"""cauce: a Python workflow orchestrator. `@flow` and `@task` make any function an
observable, retryable workflow whose runs are recorded.

Public names load on first use, so `import cauce` costs almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cauce.version import __version__

if TYPE_CHECKING:
    from cauce import runtime, task_runners
    from cauce.client.orchestration import get_client
    from cauce.context import tags
    from cauce.engine.retries import exponential_backoff
    from cauce.flow_runs import (
        apause_flow_run,
        aresume_flow_run,
        asuspend_flow_run,
        pause_flow_run,
        resume_flow_run,
        suspend_flow_run,
    )
    from cauce.flows import Flow, aserve, flow, serve
    from cauce.futures import TaskRunFuture, TaskRunFutureList, wait
    from cauce.logging.run_logger import get_run_logger
    from cauce.states import (
        AwaitingRetry,
        Cached,
        Cancelled,
        Cancelling,
        Completed,
        Crashed,
        Failed,
        Late,
        Paused,
        Pending,
        Retrying,
        Running,
        Scheduled,
        State,
        StateType,
    )
    from cauce.tasks import Task, task, unmapped
    from cauce.transactions import Transaction
    from cauce.utilities.annotations import allow_failure, quote

__all__ = [
    "AwaitingRetry",
    "Cached",
    "Cancelled",
    "Cancelling",
    "Completed",
    "Crashed",
    "Failed",
    "Flow",
    "Late",
    "Paused",
    "Pending",
    "Retrying",
    "Running",
    "Scheduled",
    "State",
    "StateType",
    "Task",
    "TaskRunFuture",
    "TaskRunFutureList",
    "Transaction",
    "__version__",
    "allow_failure",
    "apause_flow_run",
    "aresume_flow_run",
    "aserve",
    "asuspend_flow_run",
    "deploy",
    "exponential_backoff",
    "flow",
    "get_client",
    "get_run_logger",
    "pause_flow_run",
    "quote",
    "resume_flow_run",
    "runtime",
    "serve",
    "suspend_flow_run",
    "tags",
    "task",
    "task_runners",
    "unmapped",
    "wait",
]

_STATES = "cauce.states"
_LOCATIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "AwaitingRetry",
            "Cached",
            "Cancelled",
            "Cancelling",
            "Completed",
            "Crashed",
            "Failed",
            "Late",
            "Paused",
            "Pending",
            "Retrying",
            "Running",
            "Scheduled",
            "State",
            "StateType",
        ],
        _STATES,
    ),
    "Flow": "cauce.flows",
    "flow": "cauce.flows",
    "Task": "cauce.tasks",
    "task": "cauce.tasks",
    "unmapped": "cauce.tasks",
    "allow_failure": "cauce.utilities.annotations",
    "quote": "cauce.utilities.annotations",
    "TaskRunFuture": "cauce.futures",
    "TaskRunFutureList": "cauce.futures",
    "wait": "cauce.futures",
    "exponential_backoff": "cauce.engine.retries",
    "deploy": "cauce.deployments.from_code",
    "serve": "cauce.flows",
    "aserve": "cauce.flows",
    "Transaction": "cauce.transactions",
    "get_run_logger": "cauce.logging.run_logger",
    "tags": "cauce.context",
    "get_client": "cauce.client.orchestration",
    **dict.fromkeys(
        [
            "pause_flow_run",
            "resume_flow_run",
            "suspend_flow_run",
            "apause_flow_run",
            "aresume_flow_run",
            "asuspend_flow_run",
        ],
        "cauce.flow_runs",
    ),
}
_SUBMODULES = {"runtime", "task_runners"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"cauce.{name}")
    location = _LOCATIONS.get(name)
    if location is None:
        raise AttributeError(f"module 'cauce' has no attribute {name!r}")
    value = getattr(importlib.import_module(location), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
