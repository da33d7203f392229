"""Pausing a flow run until someone resumes it, as Prefect's `prefect.flow_runs`.

`pause_flow_run()` inside a flow records the run Paused and waits in its own process
until the run is resumed (`resume_flow_run(id)`, `cauce flow-run resume`, the UI's
Resume button or `POST /api/flow_runs/{id}/resume`), then goes on; past its timeout
it raises FlowPauseTimeout and the run fails. A run cancelled while paused ends
Cancelled and its process stops as it would for SIGTERM.

Called from an async flow or task (or, outside a run, where an event loop runs), each
returns a coroutine to await, as in Prefect.
Left out: `wait_for_input` (a form the UI would show) and `suspend_flow_run` (a run
whose process exits and that a worker starts again once resumed).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from cauce.context import FlowRunContext, TaskRunContext, is_async_caller
from cauce.exceptions import FlowPauseTimeout, NotPausedError
from cauce.schemas.states import SetStateStatus
from cauce.states import Paused, State, StateType, now_utc

# How often a paused run asks whether it was resumed, at most (a read of one row).
POLL_CEILING_SECONDS = 1.0


def pause_flow_run(
    wait_for_input: Any = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> Any:
    """Record the current flow run Paused and wait until it is resumed (None), or fail
    with FlowPauseTimeout after `timeout` seconds. It asks every second, or every
    `poll_interval` seconds when that is shorter. `key` is accepted and unused."""
    waiting = _PausedRun(wait_for_input, timeout, poll_interval)
    if is_async_caller():
        return waiting.wait_async()
    waiting.wait(time.sleep)
    return None


async def apause_flow_run(
    wait_for_input: Any = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> None:
    """`pause_flow_run` for async code."""
    await _PausedRun(wait_for_input, timeout, poll_interval).wait_async()


def resume_flow_run(flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None) -> Any:
    """Resume the paused flow run `flow_run_id`: its process goes on. NotPausedError when
    it is not paused."""
    if run_input is not None:
        raise NotImplementedError("cauce resumes runs without input: pass no run_input")
    run_id = uuid.UUID(str(flow_run_id))
    if is_async_caller():
        return asyncio.to_thread(_resume, run_id)
    _resume(run_id)
    return None


def _resume(flow_run_id: uuid.UUID) -> None:
    from cauce.client.factory import get_client

    client = get_client()
    state = client.read_flow_run(flow_run_id).state
    if state.type is not StateType.PAUSED:
        raise NotPausedError(f"Flow run {flow_run_id} is not paused: it is {state!r}.")
    client.resume_flow_run(flow_run_id)


async def aresume_flow_run(
    flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None
) -> None:
    """`resume_flow_run` for async code."""
    await resume_flow_run(flow_run_id, run_input)


class _PausedRun:
    """One pause of the current flow run, from Paused to resumed, cancelled or timed out."""

    def __init__(self, wait_for_input: Any, timeout: float, poll_interval: float) -> None:
        if wait_for_input is not None:
            raise NotImplementedError("cauce pauses runs without input: pass no wait_for_input")
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

        paused = Paused("Waiting to be resumed.", timeout_seconds=timeout)
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

    def wait(self, sleep: Callable[[float], None]) -> None:
        while not self._resumed():
            sleep(self.every)

    async def wait_async(self) -> None:
        while not await asyncio.to_thread(self._resumed):
            await asyncio.sleep(self.every)

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


__all__ = [
    "apause_flow_run",
    "aresume_flow_run",
    "pause_flow_run",
    "resume_flow_run",
]
