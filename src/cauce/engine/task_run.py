"""Run one task: resolve its inputs, consult the cache, call it with retries and a
timeout, and record each state through the batch writer.

`TaskRunEngine` makes every decision; `run_task_sync` and `run_task_async`
differ only in how they call the function and wait between attempts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cauce.client.factory import get_batch_writer
from cauce.context import FlowRunContext, TaskRunContext, flow_run_context, task_run_context
from cauce.engine.outcome import state_from_exception
from cauce.engine.retries import retry_delay_seconds
from cauce.engine.timeouts import await_with_time_limit, time_limit
from cauce.futures import TaskRunFuture
from cauce.ids import new_id
from cauce.log_prints import print_to_run_logs
from cauce.logging.run_logger import RunLoggerAdapter, flow_run_logger, task_run_logger
from cauce.orchestration.policy import TASK_RUN_RULES
from cauce.orchestration.set_state import RunTimes, decide
from cauce.schemas.states import SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.states import (
    AwaitingRetry,
    Cached,
    Completed,
    Failed,
    Pending,
    Retrying,
    Running,
    State,
    now_utc,
)

if TYPE_CHECKING:
    from cauce.tasks import Task


class UpstreamTaskError(Exception):
    """A task's input came from a task run that did not complete."""


def create_task_run(
    task: Task[..., Any], parameters: dict[str, Any], flow_context: FlowRunContext | None
) -> TaskRun:
    """A new Pending task run of `task`, named and recorded, with its upstream dependencies."""
    parent_task = task_run_context.get()
    if flow_context is not None:
        index = flow_context.next_task_run_index(task.name)
        flow_run_id: uuid.UUID | None = flow_context.flow_run.id
    else:
        index, flow_run_id = 0, parent_task.task_run.flow_run_id if parent_task else None
    task_run = TaskRun(
        id=new_id(),
        flow_run_id=flow_run_id,
        task_name=task.name,
        name=task.format_run_name(parameters, index),
        state=Pending(),
        cache_key=None,
        tags=list(task.tags),
        task_inputs=_upstream_ids(parameters),
        created=now_utc(),
    )
    get_batch_writer().task_run_changed(task_run, task_run.state)
    if flow_context is not None:
        flow_run_logger(flow_context.flow_run.id, flow_context.flow_run.name).info(
            "Created task run %r for task %r", task_run.name, task.name
        )
    return task_run


class TaskRunEngine:
    """The decisions of one task run, shared by the sync and async loops."""

    def __init__(
        self,
        task: Task[..., Any],
        parameters: dict[str, Any],
        task_run: TaskRun | None = None,
        wait_for: list[TaskRunFuture[Any]] | None = None,
    ) -> None:
        self.task = task
        self.flow_context = flow_run_context.get()
        self.parameters = parameters
        self.wait_for = wait_for or []
        self.task_run = task_run or create_task_run(task, parameters, self.flow_context)
        self.times = RunTimes(0, None, None)
        self.logger: RunLoggerAdapter = task_run_logger(
            self.task_run.id, self.task_run.name, self.task_run.flow_run_id
        )
        self.final: State | None = None
        self.retry_delay = 0.0

    def set_state(self, state: State) -> None:
        """Propose `state`; record it if the task-run rules accept it."""
        result = decide(TASK_RUN_RULES, self.task_run.state, state)
        if result.status is not SetStateStatus.ACCEPT:
            raise RuntimeError(f"task run {self.task_run.name!r}: {result.reason}")
        self.times.advance(state)
        task_run = self.task_run
        task_run.state = state
        task_run.run_count = self.times.run_count
        task_run.start_time = self.times.start_time
        task_run.end_time = self.times.end_time
        get_batch_writer().task_run_changed(task_run, state)

    def begin(self) -> bool:
        """Resolve inputs and check the cache; False when the run already ended."""
        try:
            self.parameters = resolve_inputs(self.parameters, self.wait_for)
        except UpstreamTaskError as exc:
            self._finish(Failed(str(exc), data=exc))
            return False
        key = self.task.cache_key(TaskRunContext(self.task, self.task_run, self.parameters))
        if key is not None:
            self.task_run.cache_key = key
            hit = self.task.result_cache().read(key)
            if hit is not None:
                self._finish(Cached(data=hit.value))
                return False
        self.set_state(Running())
        return True

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """The task run's context while its function runs."""
        log_prints = self.task.log_prints
        if log_prints is None:
            log_prints = self.flow_context.log_prints if self.flow_context else False
        token = task_run_context.set(
            TaskRunContext(self.task, self.task_run, self.parameters, log_prints)
        )
        try:
            with print_to_run_logs(log_prints):
                yield
        finally:
            task_run_context.reset(token)

    def on_return(self, value: Any) -> None:
        if self.task_run.cache_key is not None:
            self.task.result_cache().write(
                self.task_run.cache_key, value, self.task.cache_expiration
            )
        self._finish(Completed(data=value))

    def on_exception(self, exc: BaseException) -> bool:
        """Record a failure; True when a retry follows (after `retry_delay` seconds)."""
        state = state_from_exception(exc, "Task run")
        attempt = self.times.run_count
        if isinstance(exc, Exception) and attempt <= self.task.retries:
            self.retry_delay = retry_delay_seconds(
                self.task.retry_delay_seconds,
                self.task.retries,
                attempt,
                self.task.retry_jitter_factor,
            )
            self.logger.info(
                "Task run failed with exception: %r - Retry %d/%d will start %s",
                exc,
                attempt,
                self.task.retries,
                f"{self.retry_delay:g} second(s) from now" if self.retry_delay else "immediately",
            )
            self.set_state(AwaitingRetry(now_utc(), message=state.message))
            return True
        if isinstance(exc, Exception):
            suffix = " - Retries are exhausted" if self.task.retries else ""
            self.logger.error("Task run failed with exception: %r%s", exc, suffix, exc_info=exc)
        self._finish(state)
        return False

    def start_retry(self) -> None:
        self.set_state(Retrying())

    def _finish(self, state: State) -> None:
        self.set_state(state)
        self.final = state
        level = 20 if state.is_completed() else 40
        self.logger.log(level, "Finished in state %r", state)
        if self.flow_context is None:
            # No flow run will flush this task's records when it ends.
            get_batch_writer().flush()

    def outcome(self, return_state: bool) -> Any:
        """What the caller gets: the final state, or its value (raising its exception)."""
        assert self.final is not None
        return self.final if return_state else self.final.result()


def run_task_sync(
    task: Task[..., Any],
    parameters: dict[str, Any],
    return_state: bool = False,
    task_run: TaskRun | None = None,
    wait_for: list[TaskRunFuture[Any]] | None = None,
) -> Any:
    """Run a sync task to its final state; its value, or the state with `return_state`."""
    engine = TaskRunEngine(task, parameters, task_run, wait_for)
    if engine.begin():
        while True:
            with engine.attempt():
                try:
                    with time_limit(task.timeout_seconds):
                        value = task.binder.call(engine.parameters)
                except BaseException as exc:
                    retry = engine.on_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    engine.on_return(value)
                    retry = False
            if not retry:
                break
            time.sleep(engine.retry_delay)
            engine.start_retry()
    return engine.outcome(return_state)


async def run_task_async(
    task: Task[..., Any],
    parameters: dict[str, Any],
    return_state: bool = False,
    task_run: TaskRun | None = None,
    wait_for: list[TaskRunFuture[Any]] | None = None,
) -> Any:
    """Run an async task to its final state; its value, or the state with `return_state`."""
    engine = TaskRunEngine(task, parameters, task_run, wait_for)
    if engine.begin():
        while True:
            with engine.attempt():
                try:
                    value = await await_with_time_limit(
                        task.binder.call(engine.parameters), task.timeout_seconds
                    )
                except BaseException as exc:
                    retry = engine.on_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    engine.on_return(value)
                    retry = False
            if not retry:
                break
            await asyncio.sleep(engine.retry_delay)
            engine.start_retry()
    return engine.outcome(return_state)


def resolve_inputs(
    parameters: dict[str, Any], wait_for: list[TaskRunFuture[Any]]
) -> dict[str, Any]:
    """Parameters with every future replaced by its result; upstream failures raise."""
    for future in wait_for:
        future.wait()
    if not any(_contains_future(v) for v in parameters.values()):
        return parameters
    return {name: _resolve(value) for name, value in parameters.items()}


def _contains_future(value: Any) -> bool:
    if isinstance(value, TaskRunFuture):
        return True
    if isinstance(value, list | tuple | set):
        return any(_contains_future(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_future(v) for v in value.values())
    return False


def _resolve(value: Any) -> Any:
    if isinstance(value, TaskRunFuture):
        state = value._future.result()
        if not state.is_completed():
            value.failure_seen = True
            raise UpstreamTaskError(
                f"Upstream task run {value.task_run.name!r} did not complete: {state!r}"
            )
        return state.result()
    if isinstance(value, list | tuple | set):
        return type(value)(_resolve(v) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _upstream_ids(parameters: dict[str, Any]) -> dict[str, list[uuid.UUID]]:
    inputs: dict[str, list[uuid.UUID]] = {}
    for name, value in parameters.items():
        found: list[uuid.UUID] = []
        _collect_futures(value, found)
        if found:
            inputs[name] = found
    return inputs


def _collect_futures(value: Any, found: list[uuid.UUID]) -> None:
    if isinstance(value, TaskRunFuture):
        found.append(value.task_run.id)
    elif isinstance(value, list | tuple | set):
        for v in value:
            _collect_futures(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_futures(v, found)
