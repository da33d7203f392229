"""Run one flow: record the run, validate parameters, call it with retries and a
timeout, wait for its submitted tasks, and report its final state.

`FlowRunEngine` makes every decision; `run_flow_sync` and `run_flow_async`
differ only in how they call the function and wait between attempts (only the
async loop imports asyncio, so a sync flow never loads it). Flow-run
states go through the orchestration core synchronously; task-run states and
log lines are flushed before the final state is reported.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from cauce.client.base import ServerUnreachable
from cauce.client.factory import get_batch_writer, get_client
from cauce.context import (
    FlowRunContext,
    flow_run_context,
    flow_run_ended,
    flow_run_started,
    task_run_context,
)
from cauce.engine.heartbeats import beating_for, forget
from cauce.engine.hooks import DeferredHooks, StateHook, run_hooks
from cauce.engine.outcome import (
    awaiting_retry,
    flow_state_from_return,
    is_interruption,
    state_from_exception,
)
from cauce.engine.parameters import ParameterTypeError, jsonable_parameters
from cauce.engine.retries import retry_delay_seconds
from cauce.engine.run_naming import flow_run_name_from
from cauce.engine.tags import run_tags
from cauce.engine.task_run import take_over_task_run
from cauce.engine.timeouts import await_with_time_limit, call_with_time_limit
from cauce.exceptions import FlowRunTimeoutError, Pause
from cauce.futures import TaskRunFuture
from cauce.ids import new_id
from cauce.interruptions import interruptions_deferred, interruptions_raise
from cauce.log_prints import print_to_run_logs
from cauce.logging.config import configure_logging
from cauce.logging.run_files import log_to_file
from cauce.logging.run_logger import NOT_RECORDED, flow_run_logger
from cauce.processes import this_host
from cauce.run_names import generate_run_name
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.settings import get_settings
from cauce.states import Failed, Pending, Retrying, Running, State, now_utc

if TYPE_CHECKING:
    from cauce.flows import Flow

engine_logger = logging.getLogger("cauce.engine")


class FlowRunAborted(Exception):
    """The core refused to start the flow run (for example, it was cancelled first)."""


class FlowRunEngine:
    """The decisions of one flow run, shared by the sync and async loops."""

    def __init__(
        self,
        flow: Flow[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        existing: FlowRun | None = None,
    ):
        configure_logging(get_settings())
        self.flow = flow
        self.client = get_client()
        self.writer = get_batch_writer()
        self.parent = flow_run_context.get()
        parent_task = task_run_context.get()
        self.is_taken_over = existing is not None
        """The run was created elsewhere (a deployment's): this engine takes it over."""
        if existing is not None:
            self.parameters = flow.binder.bind((), dict(existing.parameters))
            self.flow_run = existing
        else:
            self.parameters = flow.binder.bind(args, kwargs)
            self.flow_run = FlowRun(
                id=new_id(),
                flow_name=flow.name,
                name=flow.format_run_name(self.parameters) or generate_run_name(),
                state=Pending(),
                parameters=jsonable_parameters(self.parameters),
                tags=sorted(run_tags(flow.tags)),
                parent_task_run_id=parent_task.task_run.id if parent_task else None,
                created=now_utc(),
                host=this_host(),
                pid=os.getpid(),
            )
            if callable(flow.flow_run_name):
                self.flow_run.name = flow_run_name_from(flow, self.flow_run, self.parent)
        self.logger = flow_run_logger(self.flow_run.id, self.flow_run.name, flow.name)
        self.context: FlowRunContext | None = None
        self.final: State | None = None
        self.retry_delay = 0.0
        self._tasks_left_running = False
        self.unrecorded: str | None = None
        """Why the server stopped recording this run (it went on regardless); None if it did not."""
        self._is_created = self.is_taken_over
        """The store has the run: create_flow_run succeeded, or another writer made it."""
        self.deferred_hooks: DeferredHooks | None = None
        """An async run's hooks, awaited by its loop; a sync run calls them at once."""
        self._exit_stack = ExitStack()
        if flow.log_file is not None:
            self._exit_stack.enter_context(log_to_file(flow.log_file))

    def set_state(self, state: State) -> bool:
        """Propose `state` to the core; False when it was rejected."""
        result = self._propose(state)
        if result.status is SetStateStatus.ACCEPT:
            if state.type.value == "RUNNING":
                self.flow_run.run_count += 1
                self._declare_retries()
            if result.state is not None and result.state.type is not state.type:
                # The core recorded another state (a cancelled run's Crashed -> Cancelled).
                state = result.state
            self.flow_run.state = state
            if state.type.value == "RUNNING" and self.flow.on_running_hooks:
                self._fire(self.flow.on_running_hooks, state)
            return True
        if result.state is not None:
            self.flow_run.state = result.state
        return False

    def _declare_retries(self) -> None:
        """Tell the store, for a deployment's run with retries left, how many retries the
        flow has and the delay before the next attempt: if this process dies, the run is
        scheduled again for a worker, as it would be after a failure."""
        if self.flow_run.deployment_id is None or not self.flow.retries:
            return
        delay = self._retry_delay(self.flow_run.run_count)
        if delay is None:
            return
        try:
            with interruptions_deferred():
                self.client.set_flow_run_retries(self.flow_run.id, self.flow.retries, delay)
        except Exception as exc:
            self.logger.warning("Could not record the flow's retries for a crash: %s", exc)

    def _propose(self, state: State) -> SetStateResult:
        # A server gone for longer than the client retries does not stop the user's
        # code: the state is taken as accepted, and the loss is reported (_server_lost).
        if self._is_created:
            try:
                # The state this engine last saw, unless the server missed some of its
                # states: then the store's current one is not what it proposes from.
                seen = None if self.unrecorded else self.flow_run.state.id
                with interruptions_deferred():
                    return self.client.set_flow_run_state(
                        self.flow_run.id, state, expected_state_id=seen
                    )
            except ServerUnreachable as exc:
                self._server_lost(exc)
        return SetStateResult(SetStateStatus.ACCEPT, state)

    def _server_lost(self, exc: ServerUnreachable) -> None:
        if self.unrecorded is None:
            self.unrecorded = str(exc)
            engine_logger.error(
                "Flow run %r of flow %r (id %s) goes on without being recorded: %s",
                self.flow_run.name,
                self.flow.name,
                self.flow_run.id,
                exc,
            )

    def begin(self) -> bool:
        """Record the run and start it; False when it ended before user code ran."""
        if self.is_taken_over:
            return self._take_over()
        parent_id = self.parent.flow_run.id if self.parent else None
        try:
            with interruptions_deferred():
                self.client.create_flow_run(self.flow_run, parent_id)
            self._is_created = True
        except ServerUnreachable as exc:
            self._server_lost(exc)
        return self._start()

    def _take_over(self) -> bool:
        """Start a run someone else created: claim it (Scheduled -> Pending) unless the
        claimer (a worker, `serve`) did, then run it as if it were this engine's own."""
        engine_logger.info(
            "Running flow run %r of flow %r",
            self.flow_run.name,
            self.flow.name,
            extra={"flow_run_id": self.flow_run.id, "flow_name": self.flow.name},
        )
        if self.flow_run.state.type.value != "PENDING" and not self.set_state(Pending()):
            self._finish_rejected()
            return False
        return self._validate_and_run()

    def _start(self) -> bool:
        if self.parent is not None:
            self.parent.count_subflow()
            flow_run_logger(self.parent.flow_run.id, self.parent.flow_run.name).info(
                "Created subflow run %r for flow %r", self.flow_run.name, self.flow.name
            )
        else:
            engine_logger.info(
                "Created flow run %r for flow %r",
                self.flow_run.name,
                self.flow.name,
                extra={"flow_run_id": self.flow_run.id, "flow_name": self.flow.name},
            )
        return self._validate_and_run()

    def _validate_and_run(self) -> bool:
        if self.flow.validate_parameters:
            try:
                self.parameters = self.flow.binder.validate(self.parameters)
            except ParameterTypeError as exc:
                self.logger.error("Validation of flow parameters failed: %s", exc)
                self._finish(
                    Failed(f"Validation of flow parameters failed with error: {exc}", data=exc)
                )
                return False
        if not self.set_state(Running()):
            self._finish_rejected()
            return False
        self.context = FlowRunContext(
            flow=self.flow,
            flow_run=self.flow_run,
            task_runner=self.flow.task_runner.duplicate(),
            log_prints=bool(self.flow.log_prints),
            parent=self.parent,
        )
        self._exit_stack.enter_context(interruptions_raise())
        flow_run_started(self.context)
        self._exit_stack.callback(flow_run_ended, self.context)
        self._exit_stack.enter_context(beating_for(self.client, self.flow_run.id))
        return True

    @contextmanager
    def ending_on_escape(self) -> Iterator[None]:
        """Whatever escapes the run before it has ended (Ctrl-C while it waits for its
        submitted tasks or between retries, a failure inside cauce) still ends it, recorded."""
        try:
            yield
        except BaseException as exc:
            if self.final is None:
                if is_interruption(exc):
                    self._stop_tasks(exc)
                self._finish(state_from_exception(exc, "Flow run"))
            raise

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """The flow run's context while its function runs."""
        assert self.context is not None
        token = flow_run_context.set(self.context)
        try:
            with print_to_run_logs(self.context.log_prints):
                yield
        finally:
            flow_run_context.reset(token)

    def on_return(self, value: Any) -> bool:
        """Record the outcome of a returning attempt; True when a retry follows."""
        assert self.context is not None
        futures = self.context.futures
        for future in futures:
            future.wait()
        unseen = [s for s in (f.failed_unseen() for f in futures) if s is not None]
        state = flow_state_from_return(_futures_as_states(value), unseen, self.context.child_count)
        if state.is_failed() and self._retry_scheduled(state):
            return True
        self._finish(state)
        return False

    def on_exception(self, exc: BaseException) -> bool:
        """Record a failed attempt; True when a retry follows."""
        if self.final is not None:
            return False  # it ended already; this came while reporting that
        if isinstance(exc, Pause):  # suspend_flow_run recorded it Suspended: it stays so
            self._finish(self.flow_run.state)
            return False
        if is_interruption(exc):
            self._stop_tasks(exc)
        state = state_from_exception(exc, "Flow run")
        if isinstance(exc, Exception):
            if self._retry_scheduled(state):
                return True
            self.logger.error("Encountered exception during execution: %r", exc, exc_info=exc)
        self._finish(state)
        return False

    def _retry_delay(self, attempt: int) -> float | None:
        """Seconds to wait after attempt `attempt` fails; None when no retry is left."""
        if attempt > self.flow.retries:
            return None
        return retry_delay_seconds(self.flow.retry_delay_seconds, self.flow.retries, attempt)

    def _retry_scheduled(self, failed: State) -> bool:
        delay = self._retry_delay(self.flow_run.run_count)
        if delay is None:
            return False
        self.retry_delay = delay
        self.logger.info(
            "Received non-final state %r when proposing final state %r and will attempt to run "
            "again...",
            "AwaitingRetry",
            failed,
        )
        assert self.context is not None
        self.context.futures.clear()
        return self.set_state(awaiting_retry(failed, self.retry_delay))

    def start_retry(self) -> None:
        self.set_state(Retrying())

    def _stop_tasks(self, exc: BaseException) -> None:
        """The run was interrupted: end its unfinished submitted task runs now, as it does.

        They are not waited for (a task blocked in time.sleep or a socket read cannot
        be stopped from outside): their end is recorded, and whatever they do later
        is not. A runner that can stop them (a process pool's processes) does.
        """
        if self.context is None:
            return
        for future in list(self.context.futures):
            take_over_task_run(future, state_from_exception(exc, "Task run"))
        self._tasks_left_running = any(not f.done() for f in self.context.futures)
        self.context.task_runner.abandon()

    def _finish(self, state: State) -> None:
        """Flush the run's records, then report its final state."""
        forget(self.flow_run.id)
        try:
            if self.context is not None and not self._tasks_left_running:
                self.context.task_runner.shutdown()
            # A second Ctrl-C while the end is recorded waits until it is.
            with interruptions_deferred():
                # Flush before reporting the final state, so the UI never shows
                # Completed with task runs or logs still missing.
                self.writer.flush()
                if self.set_state(state):
                    self.final = self.flow_run.state
                else:
                    self._finish_rejected()
                assert self.final is not None
                self.final.run_ids = (self.flow_run.id, None)
                level = logging.INFO if state.is_completed() or state.is_paused() else logging.ERROR
                self.logger.engine_log(level, "Finished in state %r", self.final)
                self.writer.flush()
            hooks = self._final_hooks()
            if hooks:
                assert self.final is not None
                self._fire(hooks, self.final)
        finally:
            self._exit_stack.close()
        if self.unrecorded is not None:
            engine_logger.error(
                "Flow run %r of flow %r (id %s) finished in state %r, but it could not "
                "be recorded: %s",
                self.flow_run.name,
                self.flow.name,
                self.flow_run.id,
                self.final,
                self.unrecorded,
                extra=NOT_RECORDED,
            )

    def _fire(self, hooks: list[StateHook], state: State) -> None:
        if self.deferred_hooks is not None:
            self.deferred_hooks.due.append((hooks, state))
            return
        run_hooks(hooks, self.flow, self.flow_run, state, self.logger)
        self.writer.flush()

    async def run_deferred_hooks(self) -> None:
        """Await the hooks that came due in an async run (its loop's own)."""
        if self.deferred_hooks:
            await self.deferred_hooks.run(self.flow, self.flow_run, self.logger)
            self.writer.flush()

    def _final_hooks(self) -> list[StateHook]:
        """The flow's hooks for the state the run ended in."""
        kind = self.final.type.value if self.final is not None else None
        if kind == "COMPLETED":
            return self.flow.on_completion_hooks
        if kind == "FAILED":
            return self.flow.on_failure_hooks
        if kind == "CRASHED":
            return self.flow.on_crashed_hooks
        if kind == "CANCELLED":
            return self.flow.on_cancellation_hooks
        return []

    def _finish_rejected(self) -> None:
        current = self.flow_run.state
        self.final = current.with_data(
            FlowRunAborted(f"Flow run {self.flow_run.name!r} is in state {current!r}")
        )

    def outcome(self, return_state: bool) -> Any:
        """What the caller gets: the final state, or its value (raising its exception)."""
        assert self.final is not None
        return self.final if return_state else self.final.result()


def _futures_as_states(value: Any) -> Any:
    """A returned future, or list or tuple of them, as their final states (as Prefect does)."""
    if isinstance(value, TaskRunFuture):
        return value.final_state()
    if isinstance(value, list | tuple) and any(isinstance(v, TaskRunFuture) for v in value):
        return type(value)(v.final_state() if isinstance(v, TaskRunFuture) else v for v in value)
    return value


def run_flow_sync(
    flow: Flow[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_state: bool,
    existing: FlowRun | None = None,
) -> Any:
    """Run a sync flow to its final state; its value, or the state with `return_state`.
    With `existing`, the engine takes over that run (made by a deployment) instead."""
    engine = FlowRunEngine(flow, args, kwargs, existing)
    with engine.ending_on_escape():
        again = engine.begin()
        while again:
            with engine.attempt():
                try:
                    call = partial(flow.binder.call, engine.parameters)
                    value = call_with_time_limit(call, flow.timeout_seconds, FlowRunTimeoutError)
                    again = engine.on_return(value)
                except BaseException as exc:
                    again = engine.on_exception(exc)
                    if not isinstance(exc, Exception | Pause):
                        raise
            if again:
                time.sleep(engine.retry_delay)
                engine.start_retry()
    return engine.outcome(return_state)


async def run_flow_async(
    flow: Flow[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_state: bool,
    existing: FlowRun | None = None,
) -> Any:
    """Run an async flow to its final state; its value, or the state with `return_state`.
    With `existing`, the engine takes over that run (made by a deployment) instead."""
    import asyncio  # here: a sync flow never loads asyncio, a fifth of its start-up

    engine = FlowRunEngine(flow, args, kwargs, existing)
    engine.deferred_hooks = DeferredHooks()
    try:
        with engine.ending_on_escape():
            again = engine.begin()
            await engine.run_deferred_hooks()
            while again:
                with engine.attempt():
                    try:
                        call = flow.binder.call(engine.parameters)
                        limit = flow.timeout_seconds
                        value = await await_with_time_limit(call, limit, FlowRunTimeoutError)
                        again = engine.on_return(value)
                    except BaseException as exc:
                        again = engine.on_exception(exc)
                        if not isinstance(exc, Exception | Pause):
                            raise
                if again:
                    await asyncio.sleep(engine.retry_delay)
                    engine.start_retry()
                    await engine.run_deferred_hooks()
    finally:
        await engine.run_deferred_hooks()  # the final state's, however the run ended
    return engine.outcome(return_state)


def run_existing_flow_run(flow: Flow[..., Any], flow_run: FlowRun) -> State:
    """Run `flow` as the run `flow_run` that a deployment made (same id, its parameters,
    Scheduled or Pending -> Running -> final); its final state."""
    if flow.is_async:
        import asyncio

        state: State = asyncio.run(run_flow_async(flow, (), {}, True, flow_run))
        return state
    final: State = run_flow_sync(flow, (), {}, True, flow_run)
    return final
