"""Run one task: resolve its inputs, consult the cache, call it with retries and a
timeout, and record each state through the batch writer.

`TaskRunEngine` makes every decision; `run_task_sync` and `run_task_async`
differ only in how they call the function and wait between attempts.

Long because a trivial task's run is cauce's hottest path and is kept in one place:
its steps are inline here rather than spread over helper modules and contexts.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any

from cauce.client.factory import get_batch_writer
from cauce.context import FlowRunContext, TaskRunContext, flow_run_context, task_run_context
from cauce.engine.hooks import DeferredHooks, StateHook, run_hooks
from cauce.engine.outcome import awaiting_retry, state_from_exception
from cauce.engine.retries import retry_condition_allows, retry_delay_seconds
from cauce.engine.run_naming import task_run_name_from
from cauce.engine.tags import run_tags
from cauce.engine.timeouts import await_with_time_limit, call_with_time_limit
from cauce.futures import RecordGuard, TaskRunFuture
from cauce.ids import new_id
from cauce.interruptions import interruptions_deferred
from cauce.log_prints import print_to_run_logs
from cauce.logging.run_files import log_to_file
from cauce.logging.run_logger import (
    RunLoggerAdapter,
    flow_run_logger,
    store_run_logs_with,
    task_run_logger,
)
from cauce.orchestration.policy import TASK_RUN_RULES
from cauce.orchestration.set_state import RunTimes, decide
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.states import (
    Cached,
    Completed,
    Failed,
    Pending,
    Retrying,
    Running,
    State,
)
from cauce.utilities.annotations import BaseAnnotation, allow_failure, quote

if TYPE_CHECKING:
    from cauce.engine.cache import CacheUse
    from cauce.tasks import Task


def _store_log(entry: LogEntry) -> None:
    get_batch_writer().log(entry)


# Logging sits below the client and picks no writer: the engine, which every run goes
# through, tells it where the runs' log lines are stored.
store_run_logs_with(_store_log)


class UpstreamTaskError(Exception):
    """A task's input came from a task run that did not complete."""


def new_task_run(
    task: Task[..., Any],
    parameters: dict[str, Any],
    flow_context: FlowRunContext | None,
    wait_for: list[TaskRunFuture[Any]] | None = None,
) -> TaskRun:
    """A new Pending task run of `task`, named, with its upstream dependencies; not recorded yet."""
    if flow_context is not None:
        index = flow_context.next_task_run_index(task.name)
        flow_run_id: uuid.UUID | None = flow_context.flow_run.id
    else:
        parent_task = task_run_context.get()
        index, flow_run_id = 0, parent_task.task_run.flow_run_id if parent_task else None
    task_inputs = _upstream_ids(parameters)
    if wait_for:
        upstream: list[uuid.UUID] = []
        _collect_futures(wait_for, upstream)
        task_inputs["wait_for"] = upstream
    pending = Pending()
    task_run = TaskRun(
        id=new_id(),
        flow_run_id=flow_run_id,
        task_name=task.name,
        name=task.format_run_name(parameters, index),
        state=pending,
        cache_key=None,
        tags=run_tags(task.tags),
        task_inputs=task_inputs,
        created=pending.timestamp,  # one moment, one clock reading
    )
    if callable(task.task_run_name):
        task_run.name = task_run_name_from(task, task_run, parameters)
    return task_run


def record_new_task_run(task_run: TaskRun, flow_context: FlowRunContext | None) -> None:
    """Record a new task run and announce it in its flow run's logs."""
    with interruptions_deferred():  # one block for both: the line's handlers take locks too
        get_batch_writer().task_run_changed(task_run, task_run.state, None)
        if flow_context is not None:
            _flow_logger(flow_context).engine_log_deferred(
                logging.INFO, "Created task run %r for task %r", task_run.name, task_run.task_name
            )


_last_flow_logger: tuple[uuid.UUID, str, RunLoggerAdapter] | None = None


def _flow_logger(flow_context: FlowRunContext) -> RunLoggerAdapter:
    """The flow run's logger, made once for a flow run's many task runs, not for each."""
    global _last_flow_logger
    run, last = flow_context.flow_run, _last_flow_logger  # read once: threads share it
    if last is None or last[:2] != (run.id, run.name):
        last = _last_flow_logger = (run.id, run.name, flow_run_logger(run.id, run.name))
    return last[2]


class _Attempt:
    """The task run's context while its function runs: a class, not a generator, as it
    wraps every call."""

    __slots__ = ("_engine", "_prints", "_token")

    def __init__(self, engine: TaskRunEngine) -> None:
        self._engine = engine

    def __enter__(self) -> None:
        engine = self._engine
        self._prints: AbstractContextManager[None] | None = None
        log_prints = engine.task.log_prints
        if log_prints is None:
            log_prints = engine.flow_context.log_prints if engine.flow_context else False
        if log_prints:
            self._prints = print_to_run_logs(log_prints)
            self._prints.__enter__()
        context = TaskRunContext(engine.task, engine.task_run, engine.parameters, log_prints)
        self._token = task_run_context.set(context)

    def __exit__(self, *exc_info: Any) -> None:
        task_run_context.reset(self._token)
        if self._prints is not None:
            self._prints.__exit__(*exc_info)


class TaskRunEngine:
    """The decisions of one task run, shared by the sync and async loops."""

    def __init__(
        self,
        task: Task[..., Any],
        parameters: dict[str, Any],
        task_run: TaskRun | None = None,
        wait_for: list[TaskRunFuture[Any]] | None = None,
        guard: RecordGuard | None = None,
    ) -> None:
        self.task = task
        self.guard = guard
        self.flow_context = flow_run_context.get()
        self.parameters = parameters
        self.wait_for = wait_for or []
        # A run created here is recorded in begin(), where an interruption still ends it.
        self.is_new = task_run is None
        self.task_run = task_run or new_task_run(task, parameters, self.flow_context, self.wait_for)
        self.times = RunTimes(0, None, None)
        self.logger: RunLoggerAdapter = task_run_logger(
            self.task_run.id, self.task_run.name, self.task_run.flow_run_id
        )
        self.final: State | None = None
        self.cache: CacheUse | None = None
        self.retry_delay = 0.0
        self.deferred_hooks: DeferredHooks | None = None
        """An async run's hooks, awaited by its loop; a sync run calls them at once."""

    def set_state(self, state: State) -> None:
        """Propose `state`; record it if the task-run rules accept it."""
        with interruptions_deferred():
            self._propose(state)

    def _propose(self, state: State) -> None:
        # Its caller defers interruptions: the guard's lock and the writer's are taken here.
        if self.guard is None:
            self._record(state)
            return
        with self.guard.lock:
            if not self.guard.taken_over:
                self._record(state)

    def _record(self, state: State) -> None:
        result = decide(TASK_RUN_RULES, self.task_run.state, state)
        if result.status is not SetStateStatus.ACCEPT:
            raise RuntimeError(f"task run {self.task_run.name!r}: {result.reason}")
        self.times.advance(state)
        task_run = self.task_run
        seen = task_run.state.id
        task_run.state = state
        task_run.run_count = self.times.run_count
        task_run.start_time = self.times.start_time
        task_run.end_time = self.times.end_time
        get_batch_writer().task_run_changed(task_run, state, seen)

    def on_escape(self, exc: BaseException) -> None:
        """End the run on `exc` escaping it before it has ended (Ctrl-C while it waits for
        its inputs or between retries, a failure inside cauce); the caller re-raises it."""
        if self.final is None and self.task_run.state.is_final():
            self.final = self.task_run.state  # it ended just before `exc` came
        elif self.final is None:
            self._finish(state_from_exception(exc, "Task run"))

    def begin(self) -> bool:
        """Resolve inputs and check the cache; False when the run already ended."""
        if self.is_new:
            record_new_task_run(self.task_run, self.flow_context)
        try:
            self.parameters = resolve_inputs(self.parameters, self.wait_for)
        except UpstreamTaskError as exc:
            self._finish(Failed(str(exc), data=exc))
            return False
        task, flow_context = self.task, self.flow_context
        # Checked inline: a task with no cache options pays two attribute reads.
        if task.caching is not None or (
            task.persist_result is None and flow_context and flow_context.flow.persist_result
        ):
            from cauce.engine.cache import cache_use

            context = TaskRunContext(task, self.task_run, self.parameters)
            self.cache = cache_use(context, flow_context, self.logger)
            if self.cache is not None:
                self.task_run.cache_key = self.cache.key
                hit = None if task.refresh_cache else self.cache.cache.read(self.cache.key)
                if hit is not None:
                    self._finish(Cached(data=hit.value))
                    return False
        self.set_state(Running())
        if self.task.on_running_hooks:
            self._fire(self.task.on_running_hooks, self.task_run.state)
        return True

    def on_return(self, value: Any) -> bool:
        """Record a returning attempt; False: no retry follows."""
        task = self.task
        if self.cache is not None or task.on_commit_hooks or task.on_rollback_hooks:
            from cauce.transactions import stage_task_run

            # Kept now, or when the transaction it runs in commits.
            write = None if self.cache is None else partial(self._keep, self.cache, value)
            key = None if self.cache is None else self.cache.key
            stage_task_run(write, key, task.on_commit_hooks, task.on_rollback_hooks)
        self._finish(Completed(data=value))
        return False

    def _keep(self, cache: CacheUse, value: Any) -> None:
        try:
            cache.cache.write(cache.key, value, cache.expiration)
        except Exception as exc:
            # The value is good; only later runs lose the shortcut.
            self.logger.warning("Could not cache the result of this run: %r", exc)

    def on_exception(self, exc: BaseException) -> bool:
        """Record a failure; True when a retry follows (after `retry_delay` seconds)."""
        state = state_from_exception(exc, "Task run")
        attempt = self.times.run_count
        if (
            isinstance(exc, Exception)
            and attempt <= self.task.retries
            and retry_condition_allows(self.task, self.task_run, state, self.logger)
        ):
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
            self.set_state(awaiting_retry(state, self.retry_delay))
            return True
        if isinstance(exc, Exception):
            exhausted = self.task.retries and attempt > self.task.retries
            suffix = " - Retries are exhausted" if exhausted else ""
            self.logger.error("Task run failed with exception: %r%s", exc, suffix, exc_info=exc)
        self._finish(state)
        return False

    def start_retry(self) -> None:
        self.set_state(Retrying())
        if self.task.on_running_hooks:
            self._fire(self.task.on_running_hooks, self.task_run.state)

    def _fire(self, hooks: list[StateHook], state: State) -> None:
        if self.deferred_hooks is not None:
            self.deferred_hooks.due.append((hooks, state))
        else:
            run_hooks(hooks, self.task, self.task_run, state, self.logger)

    async def run_deferred_hooks(self) -> None:
        """Await the hooks that came due in an async run (its loop's own)."""
        if self.deferred_hooks:
            await self.deferred_hooks.run(self.task, self.task_run, self.logger)
            if self.flow_context is None:
                get_batch_writer().flush()

    def _finish(self, state: State) -> None:
        # An interruption or a flow's timeout arriving now is raised once this has ended.
        with interruptions_deferred():
            self._propose(state)
            if self.guard is not None and self.guard.taken_over:
                self.final = self.task_run.state  # as its flow run recorded and logged it
                return
            self.final = state
            state.run_ids = (self.task_run.flow_run_id, self.task_run.id)
            level = 20 if state.is_completed() else 40
            self.logger.engine_log_deferred(level, "Finished in state %r", state)
            if state.type.value == "COMPLETED" and self.task.on_completion_hooks:
                self._fire(self.task.on_completion_hooks, state)
            elif state.type.value == "FAILED" and self.task.on_failure_hooks:
                self._fire(self.task.on_failure_hooks, state)
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
    guard: RecordGuard | None = None,
) -> Any:
    """Run a sync task to its final state; its value, or the state with `return_state`."""
    engine = TaskRunEngine(task, parameters, task_run, wait_for, guard)
    with log_to_file_of(task):
        try:
            again = engine.begin()
            while again:
                with _Attempt(engine):
                    try:
                        if task.timeout_seconds:
                            call = partial(task.binder.call, engine.parameters)
                            value = call_with_time_limit(call, task.timeout_seconds)
                        else:  # what call_with_time_limit does, without a partial
                            value = task.binder.call(engine.parameters)
                    except BaseException as exc:
                        again = engine.on_exception(exc)
                        if not isinstance(exc, Exception):
                            raise
                    else:
                        again = engine.on_return(value)
                if again:
                    time.sleep(engine.retry_delay)
                    engine.start_retry()
        except BaseException as exc:
            engine.on_escape(exc)
            raise
    return engine.outcome(return_state)


async def run_task_async(
    task: Task[..., Any],
    parameters: dict[str, Any],
    return_state: bool = False,
    task_run: TaskRun | None = None,
    wait_for: list[TaskRunFuture[Any]] | None = None,
    guard: RecordGuard | None = None,
) -> Any:
    """Run an async task to its final state; its value, or the state with `return_state`."""
    import asyncio  # here: a sync run never loads asyncio

    engine = TaskRunEngine(task, parameters, task_run, wait_for, guard)
    if task.on_running_hooks or task.on_completion_hooks or task.on_failure_hooks:
        engine.deferred_hooks = DeferredHooks()
    with log_to_file_of(task):
        try:
            again = engine.begin()
            if engine.deferred_hooks:
                await engine.run_deferred_hooks()
            while again:
                with _Attempt(engine):
                    try:
                        value = await await_with_time_limit(
                            task.binder.call(engine.parameters), task.timeout_seconds
                        )
                    except BaseException as exc:
                        again = engine.on_exception(exc)
                        if not isinstance(exc, Exception):
                            raise
                    else:
                        again = engine.on_return(value)
                if again:
                    await asyncio.sleep(engine.retry_delay)
                    engine.start_retry()
                    if engine.deferred_hooks:
                        await engine.run_deferred_hooks()
            if engine.deferred_hooks:
                await engine.run_deferred_hooks()
        except BaseException as exc:
            engine.on_escape(exc)
            raise
    return engine.outcome(return_state)


def resolve_inputs(
    parameters: dict[str, Any], wait_for: list[TaskRunFuture[Any]]
) -> dict[str, Any]:
    """Parameters with every future replaced by its result; upstream failures raise."""
    for future in wait_for:
        _resolve(future)
    if not any(_contains_future(v) for v in parameters.values()):
        return parameters
    return {name: _resolve(value) for name, value in parameters.items()}


# Values of these exact types hold no future: checked first, as most parameters are such.
_SCALARS = frozenset({int, float, str, bool, bytes, type(None)})


def _contains_future(value: Any) -> bool:
    if type(value) in _SCALARS:
        return False
    if isinstance(value, TaskRunFuture | State | BaseAnnotation):
        return True
    if isinstance(value, list | tuple | set):
        return any(_contains_future(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_future(v) for v in value.values())
    return False


def _resolve(value: Any, allow_failed: bool = False) -> Any:
    if isinstance(value, quote):
        return value.unquote()  # nothing inside is waited for or resolved
    if isinstance(value, BaseAnnotation):
        # allow_failure: a failed upstream gives its exception instead of stopping the run.
        return _resolve(value.unwrap(), allow_failed or isinstance(value, allow_failure))
    if isinstance(value, TaskRunFuture | State):
        state = value.final_state() if isinstance(value, TaskRunFuture) else value
        if not state.is_completed() and not allow_failed:
            name = repr(value.task_run.name) if isinstance(value, TaskRunFuture) else "state"
            raise UpstreamTaskError(f"Upstream task run {name} did not complete: {state!r}")
        return state.result(raise_on_failure=False)
    if isinstance(value, list | tuple | set):
        return type(value)(_resolve(v, allow_failed) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, allow_failed) for k, v in value.items()}
    return value


def _upstream_ids(parameters: dict[str, Any]) -> dict[str, list[uuid.UUID]]:
    inputs: dict[str, list[uuid.UUID]] = {}
    for name, value in parameters.items():
        if type(value) in _SCALARS:
            continue  # as _collect_futures would find nothing, without a list and a call
        found: list[uuid.UUID] = []
        _collect_futures(value, found)
        if found:
            inputs[name] = found
    return inputs


def _collect_futures(value: Any, found: list[uuid.UUID]) -> None:
    if type(value) in _SCALARS:
        return
    if isinstance(value, TaskRunFuture):
        found.append(value.task_run.id)
    elif isinstance(value, allow_failure):
        _collect_futures(value.unwrap(), found)
    elif isinstance(value, list | tuple | set):
        for v in value:
            _collect_futures(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_futures(v, found)


def take_over_task_run(future: TaskRunFuture[Any], state: State) -> None:
    """Record `state` as how a submitted task run ended, unless it has ended already.

    For a flow run being stopped: the task run's engine, if it ever starts or
    finishes, records nothing more.
    """
    future.cancel()  # one not started yet never will
    task_run = future.task_run
    guard = future.guard or RecordGuard()
    with guard.lock:
        if task_run.state.is_final():
            return
        guard.taken_over = True
        seen = task_run.state.id
        task_run.state = state
        task_run.end_time = state.timestamp
        get_batch_writer().task_run_changed(task_run, state, seen)
    task_run_logger(task_run.id, task_run.name, task_run.flow_run_id).error(
        "Finished in state %r", state
    )


_NO_LOG_FILE: AbstractContextManager[None] = nullcontext()  # reusable: it holds nothing


def log_to_file_of(task: Task[..., Any]) -> AbstractContextManager[None]:
    """The task's `log_file` block, or nothing when it has none."""
    return _NO_LOG_FILE if task.log_file is None else log_to_file(task.log_file)
