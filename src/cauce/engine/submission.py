"""`.submit()` and `.map()`: create task runs now, run them on the flow's task runner."""

from __future__ import annotations

import concurrent.futures
from typing import TYPE_CHECKING, Any

from cauce.context import flow_run_context
from cauce.engine.mapping import mapped_parameters
from cauce.engine.task_run import (
    new_task_run,
    record_new_task_run,
    run_task_async,
    run_task_sync,
)
from cauce.futures import RecordGuard, TaskRunFuture, TaskRunFutureList
from cauce.interruptions import interruptions_deferred
from cauce.states import State
from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

if TYPE_CHECKING:
    from cauce.tasks import Task

_runner_outside_flows = ThreadPoolTaskRunner()


def submit_task_run(
    task: Task[..., Any], parameters: dict[str, Any], wait_for: list[Any]
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
                import asyncio  # here: a sync run never loads asyncio

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
    wait_for: list[Any],
) -> TaskRunFutureList[Any]:
    """Submit one run per position of the iterable arguments; `unmapped` ones repeat whole.

    An argument that is a future (or a state) is mapped over its result, which this
    waits for, as Prefect does; an upstream that failed raises its exception here.
    """
    bound = {name: _map_source(value) for name, value in task.binder.bind(args, kwargs).items()}
    runs = mapped_parameters(task.name, bound)
    return TaskRunFutureList(submit_task_run(task, parameters, wait_for) for parameters in runs)


def _map_source(value: Any) -> Any:
    if isinstance(value, TaskRunFuture | State):
        return value.result()
    return value
