"""`.submit()` and `.map()`: create task runs now, run them on the flow's task runner."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, Any

from cauce.context import flow_run_context
from cauce.engine.signals import interruptions_deferred
from cauce.engine.task_run import (
    RecordGuard,
    new_task_run,
    record_new_task_run,
    run_task_async,
    run_task_sync,
)
from cauce.futures import TaskRunFuture, TaskRunFutureList
from cauce.states import State
from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

if TYPE_CHECKING:
    from cauce.tasks import Task

_runner_outside_flows = ThreadPoolTaskRunner()


def submit_task_run(
    task: Task[..., Any], parameters: dict[str, Any], wait_for: list[TaskRunFuture[Any]]
) -> TaskRunFuture[Any]:
    """Create a task run and start it on the task runner; its future."""
    flow_context = flow_run_context.get()
    task_run = new_task_run(task, parameters, flow_context, wait_for)
    guard = RecordGuard()
    # The future is the run's own, and known to the flow run before the run is recorded
    # or handed to the runner: a flow run stopped in the middle of this call ends it.
    outcome: concurrent.futures.Future[State] = concurrent.futures.Future()
    future: TaskRunFuture[Any] = TaskRunFuture(task_run, outcome, guard)
    if flow_context is not None:
        flow_context.futures.append(future)
    record_new_task_run(task_run, flow_context)

    def run() -> None:
        if not outcome.set_running_or_notify_cancel():
            return  # cancelled before it started
        try:
            if task.is_async:
                coroutine = run_task_async(task, parameters, True, task_run, wait_for, guard)
                state: State = asyncio.run(coroutine)
            else:
                state = run_task_sync(task, parameters, True, task_run, wait_for, guard)
        except BaseException as exc:
            outcome.set_exception(exc)
        else:
            outcome.set_result(state)

    runner = flow_context.task_runner if flow_context else _runner_outside_flows
    with interruptions_deferred():
        runner.submit(run)
    return future


def map_task_runs(
    task: Task[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wait_for: list[TaskRunFuture[Any]],
) -> TaskRunFutureList[Any]:
    """Submit one run per position of the iterable arguments; `unmapped` ones repeat whole."""
    from cauce.tasks import unmapped

    bound = task.binder.bind(args, kwargs)
    iterables = {
        name: list(value)
        for name, value in bound.items()
        if not isinstance(value, unmapped) and _is_iterable(value)
    }
    if not iterables:
        raise ValueError(f"{task.name}.map() needs at least one iterable argument")
    lengths = {len(v) for v in iterables.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{name}={len(v)}" for name, v in iterables.items())
        raise ValueError(f"{task.name}.map() got iterables of different lengths: {sizes}")
    futures: TaskRunFutureList[Any] = TaskRunFutureList()
    for index in range(lengths.pop()):
        parameters = {
            name: iterables[name][index]
            if name in iterables
            else (value.value if isinstance(value, unmapped) else value)
            for name, value in bound.items()
        }
        futures.append(submit_task_run(task, parameters, wait_for))
    return futures


def _is_iterable(value: Any) -> bool:
    if isinstance(value, str | bytes | dict):
        return False
    try:
        iter(value)
    except TypeError:
        return False
    return True
