"""`.submit()` and `.map()`: create task runs now, run them on the flow's task runner."""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable, Container
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
from cauce.schemas.task_runs import TaskRun
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

    run = SubmittedTaskRun(task, parameters, task_run, wait_for, guard, outcome)
    runner = flow_context.task_runner if flow_context else _runner_outside_flows
    with interruptions_deferred():
        try:
            runner.submit(run)
        except BaseException:
            # A runner refusing the run (its inputs would not pickle) raises to the
            # caller of .submit(), who has seen it: it does not fail the flow run too.
            future.failure_seen = True
            raise
    return future


class SubmittedTaskRun:
    """One submitted task run as its runner gets it: called in a pool thread, or shipped
    to another process (engine/remote.py) whose records come back with its result."""

    __slots__ = ("guard", "outcome", "parameters", "task", "task_run", "wait_for")

    def __init__(
        self,
        task: Task[..., Any],
        parameters: dict[str, Any],
        task_run: TaskRun,
        wait_for: list[Any],
        guard: RecordGuard,
        outcome: concurrent.futures.Future[State],
    ) -> None:
        self.task = task
        self.parameters = parameters
        self.task_run = task_run
        self.wait_for = wait_for
        self.guard = guard
        self.outcome = outcome

    @property
    def key(self) -> str:
        return f"{self.task_run.name}-{self.task_run.id.hex}"

    @property
    def task_run_id(self) -> uuid.UUID:
        return self.task_run.id

    def __call__(self) -> None:
        outcome = self.outcome
        if not outcome.set_running_or_notify_cancel():
            return  # cancelled before it started
        task, task_run, guard = self.task, self.task_run, self.guard
        try:
            if task.is_async:
                import asyncio  # here: a sync run never loads asyncio

                coroutine = run_task_async(
                    task, self.parameters, True, task_run, self.wait_for, guard
                )
                state: State = asyncio.run(coroutine)
            else:
                state = run_task_sync(task, self.parameters, True, task_run, self.wait_for, guard)
        except BaseException as exc:
            outcome.set_exception(exc)
        else:
            outcome.set_result(state)

    def shipment(
        self, shipped: Container[uuid.UUID]
    ) -> tuple[Callable[..., Any], tuple[Any, ...], list[uuid.UUID]]:
        from cauce.engine import remote

        return remote.shipment(self.task, self.parameters, self.wait_for, self.task_run, shipped)

    def finish(self, returned: Any) -> None:
        from cauce.engine import remote

        if self.outcome.set_running_or_notify_cancel():
            remote.finish(returned, self.task_run, self.guard, self.outcome)

    def crash(self, error: BaseException) -> None:
        from cauce.engine import remote

        if self.outcome.set_running_or_notify_cancel():
            remote.crash(error, self.task_run, self.guard, self.outcome)


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
