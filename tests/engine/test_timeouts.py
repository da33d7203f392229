"""`timeout_seconds`: a run that takes too long ends TimedOut, on time, wherever it runs."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from cauce import flow, runtime, task
from cauce.exceptions import FlowRunTimeoutError, TaskRunTimeoutError
from cauce.states import State
from tests.conftest import Store
from tests.engine.records import names, only_run_of, recorded

# Every limit below is 0.2 s around a 10 s sleep: finishing under this proves it was cut short,
# with room for a loaded machine.
QUICKLY = 5.0


@task(timeout_seconds=0.2)
def sleepy_task() -> None:
    time.sleep(10)


@task(timeout_seconds=0.2)
async def sleepy_async_task() -> None:
    await asyncio.sleep(10)


def _timed(fn, *args: object) -> tuple[State, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    state = fn(*args, return_state=True)
    return state, time.monotonic() - started


class TestSyncTimeouts:
    def test_sync_task_in_the_main_thread_ends_timed_out(self, store: Store) -> None:
        @flow
        def calls_sleepy() -> tuple[State, uuid.UUID | None]:
            return sleepy_task(return_state=True), runtime.flow_run.id

        started = time.monotonic()
        state, flow_run_id = calls_sleepy()
        assert time.monotonic() - started < QUICKLY
        assert repr(state) == "TimedOut('Task run exceeded timeout of 0.2 second(s)', type=FAILED)"
        assert flow_run_id is not None
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.state.name == "TimedOut" and task_run.state.type.value == "FAILED"
        assert names(store.client.read_task_run_states(task_run.id)) == [
            "Pending",
            "Running",
            "TimedOut",
        ]

    def test_sync_flow_ends_timed_out(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        def sleepy_flow() -> None:
            time.sleep(10)

        state, elapsed = _timed(sleepy_flow)
        assert elapsed < QUICKLY
        assert repr(state) == "TimedOut('Flow run exceeded timeout of 0.2 second(s)', type=FAILED)"
        with pytest.raises(TimeoutError):
            state.result()

    def test_timed_out_flow_raises_timeout_error_to_its_caller(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        def sleepy_flow() -> None:
            time.sleep(10)

        with pytest.raises(TimeoutError):
            sleepy_flow()

    def test_enclosing_flow_limit_still_applies_after_a_timed_task(self, store: Store) -> None:
        @task(timeout_seconds=5)
        def quick() -> int:
            return 1

        @flow(timeout_seconds=0.3)
        def slow_after_quick_task() -> None:
            quick()
            time.sleep(10)

        state, elapsed = _timed(slow_after_quick_task)
        assert elapsed < QUICKLY
        assert state.name == "TimedOut"

    def test_own_timeout_error_is_a_plain_failure(self, store: Store) -> None:
        @task
        def raises_timeout() -> None:
            raise TimeoutError("the API was slow")

        state = raises_timeout(return_state=True)
        assert repr(state) == (
            "Failed('Task run encountered an exception TimeoutError: the API was slow')"
        )

    def test_timed_out_task_with_retries_is_retried(self, store: Store) -> None:
        calls: list[int] = []

        @task(timeout_seconds=0.2, retries=1)
        def slow_then_fast() -> str:
            calls.append(1)
            if len(calls) == 1:
                time.sleep(10)
            return "done"

        state, elapsed = _timed(slow_then_fast)
        assert elapsed < QUICKLY
        assert state.result() == "done" and len(calls) == 2


class TestTimeoutErrors:
    """What the caller catches and the logs show, in Prefect's words and classes."""

    def test_task_raises_task_run_timeout_error_in_prefect_s_words(self, store: Store) -> None:
        @task(timeout_seconds=1)  # an int: Prefect writes it 1.0
        def slow_task() -> None:
            time.sleep(10)

        caught: list[TimeoutError] = []

        @flow
        def calls_slow() -> None:
            try:
                slow_task()
            except TimeoutError as exc:  # as code written for any time limit catches it
                caught.append(exc)

        calls_slow()
        [caught_error] = caught
        assert type(caught_error) is TaskRunTimeoutError
        assert repr(caught_error) == "TaskRunTimeoutError('Scope timed out after 1.0 second(s).')"
        messages = only_run_of(store, "calls-slow").messages
        failed = "Task run failed with exception: TaskRunTimeoutError('Scope timed out after 1.0"
        assert any(m.startswith(failed) for m in messages), messages
        finished = "Finished in state TimedOut('Task run exceeded timeout of 1.0 second(s)'"
        assert any(m.startswith(finished) for m in messages), messages

    def test_flow_raises_flow_run_timeout_error(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        def sleepy_flow() -> None:
            time.sleep(10)

        with pytest.raises(
            FlowRunTimeoutError, match=r"^Scope timed out after 0\.2 second\(s\)\.$"
        ):
            sleepy_flow()

    def test_async_task_and_flow_raise_the_same_classes(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        async def sleepy_async_flow() -> None:
            await asyncio.sleep(10)

        task_state = asyncio.run(sleepy_async_task(return_state=True))
        flow_state = asyncio.run(sleepy_async_flow(return_state=True))
        assert (
            repr(task_state.data) == "TaskRunTimeoutError('Scope timed out after 0.2 second(s).')"
        )
        assert (
            repr(flow_state.data) == "FlowRunTimeoutError('Scope timed out after 0.2 second(s).')"
        )

    def test_submitted_task_off_the_main_thread_raises_task_run_timeout_error(
        self, store: Store
    ) -> None:
        state, _ = _in_flow_submitting(sleepy_task)
        with pytest.raises(TaskRunTimeoutError):
            state.result()


class TestAsyncTimeouts:
    def test_async_task_ends_timed_out(self, store: Store) -> None:
        started = time.monotonic()
        state = asyncio.run(sleepy_async_task(return_state=True))
        assert time.monotonic() - started < QUICKLY
        assert repr(state) == "TimedOut('Task run exceeded timeout of 0.2 second(s)', type=FAILED)"

    def test_async_flow_ends_timed_out(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        async def sleepy_async_flow() -> None:
            await asyncio.sleep(10)

        started = time.monotonic()
        state = asyncio.run(sleepy_async_flow(return_state=True))
        assert time.monotonic() - started < QUICKLY
        assert repr(state) == "TimedOut('Flow run exceeded timeout of 0.2 second(s)', type=FAILED)"

    def test_async_task_inside_an_async_flow_ends_timed_out(self, store: Store) -> None:
        seen: list[State] = []

        @flow
        async def awaits_sleepy() -> None:
            seen.append(await sleepy_async_task(return_state=True))

        started = time.monotonic()
        asyncio.run(awaits_sleepy())
        assert time.monotonic() - started < QUICKLY
        assert seen[0].name == "TimedOut"


def _in_flow_submitting(a_task) -> tuple[State, float]:  # type: ignore[no-untyped-def]
    """The final state of `a_task` submitted inside a flow, and how long the flow took."""
    seen: list[State] = []

    @flow
    def submits() -> None:
        seen.append(a_task.submit().final_state())

    started = time.monotonic()
    submits()
    return seen[0], time.monotonic() - started


class TestTimeoutsOffTheMainThread:
    def test_submitted_sync_task_ends_timed_out(self, store: Store) -> None:
        state, elapsed = _in_flow_submitting(sleepy_task)
        assert elapsed < QUICKLY
        assert repr(state) == "TimedOut('Task run exceeded timeout of 0.2 second(s)', type=FAILED)"

    def test_submitted_async_task_ends_timed_out(self, store: Store) -> None:
        state, elapsed = _in_flow_submitting(sleepy_async_task)
        assert elapsed < QUICKLY
        assert state.name == "TimedOut"

    def test_flow_called_in_another_thread_ends_timed_out(self, store: Store) -> None:
        @flow(timeout_seconds=0.2)
        def sleepy_flow() -> None:
            time.sleep(10)

        states: list[State] = []
        started = time.monotonic()
        worker = threading.Thread(target=lambda: states.append(sleepy_flow(return_state=True)))
        worker.start()
        worker.join()
        assert time.monotonic() - started < QUICKLY
        assert states[0].name == "TimedOut"

    def test_timed_out_code_in_a_thread_stops_running(self, store: Store) -> None:
        ticks: list[int] = []

        @task(timeout_seconds=0.2)
        def busy() -> None:
            while True:
                ticks.append(1)
                time.sleep(0.01)

        state, _ = _in_flow_submitting(busy)
        assert state.name == "TimedOut"
        time.sleep(0.1)
        seen = len(ticks)
        time.sleep(0.2)
        assert len(ticks) == seen

    def test_values_and_errors_come_back_from_a_timed_call_in_a_thread(self, store: Store) -> None:
        @task(timeout_seconds=5)
        def double(x: int) -> int:
            return 2 * x

        @task(timeout_seconds=5)
        def fails() -> None:
            raise ValueError("inside the limit")

        state, _ = _in_flow_submitting(fails)
        assert repr(state) == (
            "Failed('Task run encountered an exception ValueError: inside the limit')"
        )

        @flow
        def submits_double() -> int:
            return double.submit(21).result()

        assert submits_double() == 42
