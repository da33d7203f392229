"""Pausing a flow run until someone resumes it, as Prefect's `prefect.flow_runs`.

`pause_flow_run()` inside a flow records the run Paused and waits in its own process
until the run is resumed (`resume_flow_run(id)`, `cauce flow-run resume`, the UI's
Resume button or `POST /api/flow_runs/{id}/resume`), then goes on; past its timeout
it raises FlowPauseTimeout and the run fails. A run cancelled while paused ends
Cancelled and its process stops as it would for SIGTERM.

`suspend_flow_run()` inside a deployment's run records it Suspended (a Paused state)
and ends its process with no final state; once resumed the run is Scheduled again and a
worker runs the flow from the start, where each suspend already taken (by its `key`, by
default its order in the run: "1", "2", ...) goes on without suspending. The keys taken
are read back from the run's state history. Past its timeout a paused or suspended run
ends Failed (the server's crash service, or the resume that comes too late).

`await wait_for_flow_run(id)` waits until a flow run (one made from a deployment, say)
is final and returns it; past its timeout it raises FlowRunWaitTimeout. As in Prefect it
is a coroutine function wherever it is called (`asyncio.run(wait_for_flow_run(id))`).

With `wait_for_input` (a `cauce.input.RunInput`, a pydantic model or any type) the run
waits for input of that shape: the resume must bring it (`run_input`), and the pause
returns it; a suspended run gets it when its process, run again, reaches the suspend.

Called from an async flow or task (or, outside a run, where an event loop runs), each
returns a coroutine to await, as in Prefect.
Left out: pause keys for `pause_flow_run` (accepted and unused), and suspending another
run than the current one (`suspend_flow_run(flow_run_id=...)`: its process would not notice).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cauce.context import FlowRunContext, TaskRunContext, as_caller_expects, is_async_caller
from cauce.exceptions import FlowPauseTimeout, FlowRunWaitTimeout, NotPausedError, Pause
from cauce.input import RunInput, input_value, run_input_class
from cauce.schemas.run_input import resumed_input, with_input_schema
from cauce.schemas.states import SetStateStatus
from cauce.states import Paused, State, StateType, Suspended, is_suspended, now_utc

if TYPE_CHECKING:
    from cauce.schemas.flow_runs import FlowRun

# How often a paused run asks whether it was resumed, at most (a read of one row).
POLL_CEILING_SECONDS = 1.0


def pause_flow_run(
    wait_for_input: Any = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> Any:
    """Record the current flow run Paused and wait until it is resumed (None, or the input
    it was resumed with when `wait_for_input` asks for some), or fail with FlowPauseTimeout
    after `timeout` seconds. It asks every second, or every `poll_interval` seconds when
    that is shorter. `key` is accepted and unused."""
    waiting = _PausedRun(wait_for_input, timeout, poll_interval)
    if is_async_caller():
        return waiting.wait_async()
    return waiting.wait(time.sleep)


async def apause_flow_run(
    wait_for_input: Any = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> Any:
    """`pause_flow_run` for async code."""
    return await _PausedRun(wait_for_input, timeout, poll_interval).wait_async()


def resume_flow_run(flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None) -> Any:
    """Resume the paused flow run `flow_run_id`, with `run_input` when it waits for input:
    its process goes on (a suspended run is Scheduled, for a worker to run again).
    NotPausedError when it is not paused; the client's error when the input is missing
    or refused."""
    return as_caller_expects(_resume, uuid.UUID(str(flow_run_id)), run_input)


def _resume(flow_run_id: uuid.UUID, run_input: dict[str, Any] | None) -> None:
    from cauce.client.factory import get_client

    client = get_client()
    state = client.read_flow_run(flow_run_id).state
    if state.type is not StateType.PAUSED:
        raise NotPausedError(f"Flow run {flow_run_id} is not paused: it is {state!r}.")
    client.resume_flow_run(flow_run_id, run_input)


async def aresume_flow_run(
    flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None
) -> None:
    """`resume_flow_run` for async code."""
    await resume_flow_run(flow_run_id, run_input)


_KEY_MESSAGE = "Suspended until resumed (pause key {})."
_KEY_PATTERN = re.compile(r"^Suspended until resumed \(pause key (\"(?:[^\"\\]|\\.)*\")\)\.")
# Per attempt of a flow run (its id and run count) in this process: how many
# suspend_flow_run calls it made, for default keys. A rerun counts from 1 again.
_suspend_calls: dict[tuple[uuid.UUID, int], itertools.count[int]] = {}


def suspend_flow_run(
    wait_for_input: Any = None,
    flow_run_id: uuid.UUID | str | None = None,
    timeout: int = 3600,
    key: str | None = None,
    client: Any = None,
) -> Any:
    """Record the current deployment's flow run Suspended and end its process; once
    resumed a worker runs it again from the start, and this call (same `key`, by
    default the same order in the run) then returns None. Past `timeout` seconds
    without a resume the run ends Failed. With `wait_for_input`, it then returns the
    input the run was resumed with (see pause_flow_run). `client` is accepted and unused."""
    if is_async_caller():
        return asuspend_flow_run(wait_for_input, flow_run_id, timeout, key, client)
    return _suspend(wait_for_input, flow_run_id, timeout, key)


async def asuspend_flow_run(
    wait_for_input: Any = None,
    flow_run_id: uuid.UUID | str | None = None,
    timeout: int = 3600,
    key: str | None = None,
    client: Any = None,
) -> Any:
    """`suspend_flow_run` for async code."""
    return _suspend(wait_for_input, flow_run_id, timeout, key)


def _context() -> FlowRunContext:
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("suspend_flow_run must be called from inside a flow run.")
    if TaskRunContext.get() is not None:
        raise RuntimeError("Cannot suspend task runs: call suspend_flow_run from the flow.")
    return context


def _suspend(
    wait_for_input: Any,
    flow_run_id: uuid.UUID | str | None,
    timeout: float,
    key: str | None,
) -> Any:
    """Suspend the current run (raising Pause), or return (its input, if it asks for
    some) when `key` was taken already."""
    asked = None if wait_for_input is None else run_input_class(wait_for_input)
    context = _context()
    flow_run = context.flow_run
    if flow_run_id is not None and uuid.UUID(str(flow_run_id)) != flow_run.id:
        raise NotImplementedError(
            "cauce suspends only the current flow run: pass no flow_run_id (or its own)"
        )
    if flow_run.deployment_id is None:
        raise RuntimeError(
            "Cannot suspend flows that are not associated with a deployment: "
            "nothing would run this one again once resumed (use pause_flow_run)."
        )
    from cauce.client.factory import get_batch_writer, get_client
    from cauce.logging.run_logger import get_run_logger

    calls = _suspend_calls.setdefault((flow_run.id, flow_run.run_count), itertools.count(1))
    key = str(next(calls)) if key is None else key
    client = get_client()
    given = _inputs_given(client.read_flow_run_states(flow_run.id))
    if key in given:
        return None if asked is None else input_value(asked, given[key] or {})
    get_batch_writer().flush()  # what the run did so far is shown while it is suspended
    suspended = Suspended(_waiting_message(_KEY_MESSAGE.format(json.dumps(key)), asked), timeout)
    result = client.set_flow_run_state(flow_run.id, suspended, expected_state_id=flow_run.state.id)
    if result.status is not SetStateStatus.ACCEPT:
        raise RuntimeError(f"The flow run could not be suspended: {result.reason}")
    flow_run.state = suspended
    get_run_logger().info("Suspending flow run; a worker runs it again once it is resumed.")
    raise Pause(f"Flow run {flow_run.name!r} was suspended.")


def _inputs_given(history: list[State]) -> dict[str, dict[str, Any] | None]:
    """The pause keys of the suspensions in a run's state history (oldest first), each
    with the input its resume brought (None without one)."""
    given = {}
    for state, after in zip(history, [*history[1:], None], strict=True):
        found = _KEY_PATTERN.search(state.message or "") if is_suspended(state) else None
        if found is not None:
            given[json.loads(found.group(1))] = None if after is None else resumed_input(after)
    return given


def _waiting_message(message: str, asked: type[RunInput] | None) -> str:
    """A pause's message, with the schema of the input it asks for, if any."""
    return message if asked is None else with_input_schema(message, asked.model_json_schema())


class _PausedRun:
    """One pause of the current flow run, from Paused to resumed, cancelled or timed out."""

    def __init__(self, wait_for_input: Any, timeout: float, poll_interval: float) -> None:
        self.asked = None if wait_for_input is None else run_input_class(wait_for_input)
        context = FlowRunContext.get()
        if context is None:
            raise RuntimeError("pause_flow_run must be called from inside a flow run.")
        if TaskRunContext.get() is not None:
            raise RuntimeError("Cannot pause task runs: call pause_flow_run from the flow.")
        from cauce.client.factory import get_batch_writer, get_client

        self.flow_run = context.flow_run
        self.client = get_client()
        self.every = max(min(poll_interval, POLL_CEILING_SECONDS), 0.05)
        get_batch_writer().flush()  # what the run did so far is shown while it waits
        self._pause(timeout)

    def _pause(self, timeout: float) -> None:
        from cauce.logging.run_logger import get_run_logger

        paused = Paused(_waiting_message("Waiting to be resumed.", self.asked), timeout)
        result = self.client.set_flow_run_state(
            self.flow_run.id, paused, expected_state_id=self.flow_run.state.id
        )
        if result.status is not SetStateStatus.ACCEPT:
            raise RuntimeError(f"The flow run could not be paused: {result.reason}")
        self.flow_run.state = paused
        self.deadline = paused.scheduled_time
        get_run_logger().info(
            "Pausing flow, execution will continue when this flow run is resumed."
        )

    def wait(self, sleep: Callable[[float], None]) -> Any:
        while not self._resumed():
            sleep(self.every)
        return self._input()

    async def wait_async(self) -> Any:
        while not await asyncio.to_thread(self._resumed):
            await asyncio.sleep(self.every)
        return self._input()

    def _input(self) -> Any:
        """What the pause returns: the input the run was resumed with, if it asked."""
        if self.asked is None:
            return None
        return input_value(self.asked, resumed_input(self.flow_run.state) or {})

    def _resumed(self) -> bool:
        """Whether the run goes on now; FlowPauseTimeout past the deadline, and the
        engine's stop (as for SIGTERM) when it was cancelled meanwhile."""
        current: State = self.client.read_flow_run(self.flow_run.id).state
        if current.type is StateType.RUNNING:
            from cauce.logging.run_logger import get_run_logger

            self.flow_run.state = current
            get_run_logger().info("Resuming flow run execution!")
            return True
        if current.type is not StateType.PAUSED:
            from cauce.interruptions import TerminationSignal

            self.flow_run.state = current
            raise TerminationSignal()
        if self.deadline is not None and now_utc() >= self.deadline:
            raise FlowPauseTimeout("Flow run was paused and never resumed.")
        return False


async def wait_for_flow_run(
    flow_run_id: uuid.UUID | str,
    timeout: float | None = 10800,
    poll_interval: float | None = None,
    client: Any = None,
    log_states: bool = False,
) -> FlowRun:
    """Wait until the flow run `flow_run_id` is final (Completed, Failed, Crashed or
    Cancelled) and return it; FlowRunWaitTimeout after `timeout` seconds (None: no limit).

    It reads the run at growing intervals up to a second (or `poll_interval`, when given).
    `client` is one of `cauce.get_client()`'s, sync or async; `log_states` logs each
    state the run is seen in."""
    run_id = uuid.UUID(str(flow_run_id))
    read = _run_reader(client)
    deadline = None if timeout is None else time.monotonic() + timeout
    ceiling = POLL_CEILING_SECONDS if poll_interval is None else max(poll_interval, 0.05)
    delay, seen = 0.05, None
    while True:
        flow_run = await read(run_id)
        if log_states and flow_run.state.type is not seen:
            from cauce.logging.loggers import get_logger

            get_logger().info("Flow run is in state %r", flow_run.state.name)
        seen = flow_run.state.type
        if flow_run.state.is_final():
            return flow_run
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise FlowRunWaitTimeout(
                f"Flow run with ID {run_id} exceeded watch timeout of {timeout} seconds"
            )
        delay = min(delay * 2, ceiling)
        await asyncio.sleep(delay if left is None else min(delay, left))


def _run_reader(client: Any) -> Callable[[uuid.UUID], Awaitable[FlowRun]]:
    """An async read of a flow run, through `client` when given (sync or async)."""
    if client is None:
        from cauce.client.factory import get_client

        client = get_client()
    method = client.read_flow_run
    if inspect.iscoroutinefunction(method):
        return method  # type: ignore[no-any-return]

    async def read(run_id: uuid.UUID) -> FlowRun:
        return await asyncio.to_thread(method, run_id)

    return read


__all__ = [
    "apause_flow_run",
    "aresume_flow_run",
    "asuspend_flow_run",
    "pause_flow_run",
    "resume_flow_run",
    "suspend_flow_run",
    "wait_for_flow_run",
]
