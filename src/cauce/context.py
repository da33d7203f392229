"""The run a piece of code is inside: context variables for the current flow and task run.

And the tags in effect: `tags(...)` (`cauce.tags`, here as Prefect has it in
`prefect.context`) is a block whose new flow runs and task runs carry extra tags.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.task_runs import TaskRun

__all__ = [
    "FlowRunContext",
    "TaskRunContext",
    "find_flow_run",
    "flow_run_context",
    "get_run_context",
    "is_async_caller",
    "tags",
    "tags_in_effect",
    "task_run_context",
]

if TYPE_CHECKING:
    from cauce.flows import Flow
    from cauce.futures import TaskRunFuture
    from cauce.task_runners.base import TaskRunner
    from cauce.tasks import Task


@dataclass(eq=False)
class FlowRunContext:
    """What a flow run's code and its tasks share while it runs."""

    flow: Flow[..., Any]
    flow_run: FlowRun
    task_runner: TaskRunner
    log_prints: bool = False
    parent: FlowRunContext | None = None
    """The flow run this one is a subflow of, when it runs in the same process."""
    child_count: int = 0  # task runs and subflow runs started in this flow run
    # Submitted task runs: the flow waits for them, and fails for any failure nobody looked at.
    futures: list[TaskRunFuture[Any]] = field(default_factory=list)
    _counters: dict[str, itertools.count[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_task_run_index(self, task_name: str) -> int:
        """The next number of a task's runs in this flow run: 0, 1, 2, ..."""
        with self._lock:
            counter = self._counters.get(task_name)
            if counter is None:
                counter = self._counters[task_name] = itertools.count()
            self.child_count += 1
            return next(counter)

    def count_subflow(self) -> None:
        with self._lock:
            self.child_count += 1

    @classmethod
    def get(cls) -> FlowRunContext | None:
        """The flow run this code runs in (a task sees its flow's), or None."""
        return flow_run_context.get()


@dataclass(eq=False)
class TaskRunContext:
    """What a task run's code can see of itself."""

    task: Task[..., Any]
    task_run: TaskRun
    parameters: dict[str, Any]
    log_prints: bool = False

    @classmethod
    def get(cls) -> TaskRunContext | None:
        """The task run this code runs in, or None."""
        return task_run_context.get()


flow_run_context: ContextVar[FlowRunContext | None] = ContextVar("flow_run_context", default=None)
task_run_context: ContextVar[TaskRunContext | None] = ContextVar("task_run_context", default=None)

_current_tags: ContextVar[frozenset[str]] = ContextVar("cauce_tags", default=frozenset())


@contextmanager
def tags(*new_tags: str) -> Iterator[set[str]]:
    """Add `new_tags` to every flow run and task run created inside the block; nested
    blocks add theirs to the outer ones'. Yields the tags now in effect."""
    current = _current_tags.get() | frozenset(new_tags)
    token = _current_tags.set(current)
    try:
        yield set(current)
    finally:
        _current_tags.reset(token)


def tags_in_effect() -> frozenset[str]:
    """The tags of the `tags()` blocks this code runs in."""
    return _current_tags.get()


# Flow runs executing in this process, in the order they started: log records that
# carry no run (an extra logger used in a thread the user started) go to the newest.
_active_flow_runs: dict[uuid.UUID, FlowRunContext] = {}


def flow_run_started(context: FlowRunContext) -> None:
    _active_flow_runs[context.flow_run.id] = context


def flow_run_ended(context: FlowRunContext) -> None:
    _active_flow_runs.pop(context.flow_run.id, None)


def find_flow_run(flow_run_id: uuid.UUID | None = None) -> FlowRunContext | None:
    """The running flow run with this id; without an id, the current one, else the newest."""
    if flow_run_id is not None:
        return _active_flow_runs.get(flow_run_id)
    current = flow_run_context.get()
    if current is not None:
        return current
    try:
        return next(reversed(_active_flow_runs.values()))
    except (StopIteration, RuntimeError):  # none, or changed while reading
        return None


def get_run_context() -> FlowRunContext | TaskRunContext:
    """The innermost run this code runs in: the task run's context inside a task (with
    `.task`, `.task_run`), else the flow run's (with `.flow`, `.flow_run`).

    Raises MissingContextError outside of any run."""
    found: FlowRunContext | TaskRunContext | None = task_run_context.get()
    if found is None:
        found = flow_run_context.get()
    if found is None:
        from cauce.exceptions import MissingContextError

        raise MissingContextError("No run context available: call this from a flow or a task.")
    return found


def as_caller_expects(call: Callable[..., Any], *args: Any) -> Any:
    """`call(*args)`, or for a caller that awaits (`is_async_caller`) a coroutine that makes
    the call in a worker thread: the body of Prefect's dual sync/async functions."""
    if is_async_caller():
        import asyncio

        return asyncio.to_thread(call, *args)
    return call(*args)


def is_async_caller() -> bool:
    """Whether the caller awaits, as Prefect's dual sync/async functions decide it: inside a
    task or flow run, whether that task's or flow's function is async; outside any,
    whether an event loop runs in this thread."""
    task_context = task_run_context.get()
    if task_context is not None:
        return task_context.task.is_async
    flow_context = flow_run_context.get()
    if flow_context is not None:
        return flow_context.flow.is_async
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
