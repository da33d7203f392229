"""Retries of tasks and flows: attempts, the delays between them, and what is recorded."""

from __future__ import annotations

import time
import uuid

import pytest

from cauce import exponential_backoff, flow, runtime, task
from cauce.states import State
from tests.conftest import Store
from tests.engine.records import names, recorded

ATTEMPT_STATES = ["AwaitingRetry", "Retrying"]


def _failing_task(failures: int, **options: object):  # type: ignore[no-untyped-def]
    """A task that raises on its first `failures` calls, then returns the number of calls."""
    calls: list[float] = []

    @task(**options)  # type: ignore[call-overload]
    def flaky() -> int:
        calls.append(time.monotonic())
        if len(calls) <= failures:
            raise ValueError(f"failure {len(calls)}")
        return len(calls)

    return flaky, calls


def _run_in_flow(flaky) -> tuple[State, uuid.UUID]:  # type: ignore[no-untyped-def]
    @flow
    def runs_flaky() -> tuple[State, uuid.UUID | None]:
        return flaky(return_state=True), runtime.flow_run.id

    state, flow_run_id = runs_flaky()
    assert flow_run_id is not None
    return state, flow_run_id


def _waits(states: list[State]) -> list[float]:
    """Seconds each AwaitingRetry state said the next attempt would wait."""
    return [
        (s.scheduled_time - s.timestamp).total_seconds()
        for s in states
        if s.name == "AwaitingRetry" and s.scheduled_time is not None
    ]


class TestTaskRetries:
    def test_failed_task_with_retries_left_runs_again(self, store: Store) -> None:
        flaky, calls = _failing_task(2, retries=2)
        state, flow_run_id = _run_in_flow(flaky)
        assert state.is_completed() and state.result() == 3
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.run_count == 3
        history = store.client.read_task_run_states(task_run.id)
        assert names(history) == ["Pending", "Running", *ATTEMPT_STATES * 2, "Completed"]
        awaiting = [s for s in history if s.name == "AwaitingRetry"]
        assert {s.type.value for s in awaiting} == {"SCHEDULED"}
        assert awaiting[0].message == "Task run encountered an exception ValueError: failure 1"
        assert [s.type.value for s in history if s.name == "Retrying"] == ["RUNNING", "RUNNING"]

    def test_task_fails_when_retries_are_exhausted(self, store: Store) -> None:
        flaky, calls = _failing_task(5, retries=1)
        state, flow_run_id = _run_in_flow(flaky)
        assert repr(state) == "Failed('Task run encountered an exception ValueError: failure 2')"
        assert len(calls) == 2
        run = recorded(store, flow_run_id)
        [task_run] = run.task_runs
        assert task_run.run_count == 2
        assert names(store.client.read_task_run_states(task_run.id)) == [
            "Pending",
            "Running",
            *ATTEMPT_STATES,
            "Failed",
        ]
        assert any(m.endswith("Retry 1/1 will start immediately") for m in run.messages)
        assert any(m.splitlines()[0].endswith("- Retries are exhausted") for m in run.messages)

    def test_task_without_retries_runs_once(self, store: Store) -> None:
        flaky, calls = _failing_task(1)
        state, _ = _run_in_flow(flaky)
        assert state.is_failed() and len(calls) == 1


class TestRetryDelays:
    def test_fixed_delay_is_waited_before_each_retry(self, store: Store) -> None:
        flaky, calls = _failing_task(2, retries=2, retry_delay_seconds=0.05)
        _, flow_run_id = _run_in_flow(flaky)
        [task_run] = recorded(store, flow_run_id).task_runs
        assert _waits(store.client.read_task_run_states(task_run.id)) == [0.05, 0.05]
        assert calls[1] - calls[0] >= 0.05 and calls[2] - calls[1] >= 0.05

    def test_list_of_delays_is_used_in_order_and_the_last_repeats(self, store: Store) -> None:
        flaky, calls = _failing_task(3, retries=3, retry_delay_seconds=[0.01, 0.04])
        state, flow_run_id = _run_in_flow(flaky)
        assert state.result() == 4
        [task_run] = recorded(store, flow_run_id).task_runs
        assert _waits(store.client.read_task_run_states(task_run.id)) == [0.01, 0.04, 0.04]
        assert calls[2] - calls[1] >= 0.04

    def test_exponential_backoff_doubles_the_delay(self, store: Store) -> None:
        flaky, calls = _failing_task(
            3, retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=0.01)
        )
        _, flow_run_id = _run_in_flow(flaky)
        [task_run] = recorded(store, flow_run_id).task_runs
        assert _waits(store.client.read_task_run_states(task_run.id)) == pytest.approx(
            [0.01, 0.02, 0.04]
        )
        assert calls[3] - calls[2] >= 0.04

    def test_jitter_adds_up_to_the_factor_of_the_delay(self, store: Store) -> None:
        flaky, _ = _failing_task(3, retries=3, retry_delay_seconds=0.02, retry_jitter_factor=1)
        _, flow_run_id = _run_in_flow(flaky)
        [task_run] = recorded(store, flow_run_id).task_runs
        waits = _waits(store.client.read_task_run_states(task_run.id))
        assert len(waits) == 3
        assert all(0.02 <= w <= 0.04 for w in waits), waits

    def test_retry_log_line_says_when_the_retry_starts(self, store: Store) -> None:
        flaky, _ = _failing_task(1, retries=1, retry_delay_seconds=0.01)
        _, flow_run_id = _run_in_flow(flaky)
        messages = recorded(store, flow_run_id).messages
        assert (
            "Task run failed with exception: ValueError('failure 1') - "
            "Retry 1/1 will start 0.01 second(s) from now"
        ) in messages


class TestFlowRetries:
    def test_failed_flow_with_retries_left_runs_again(self, store: Store) -> None:
        attempts: list[int] = []

        @flow(retries=2, retry_delay_seconds=0.02)
        def flaky_flow() -> uuid.UUID | None:
            attempts.append(runtime.flow_run.run_count)
            if len(attempts) < 3:
                raise RuntimeError("not yet")
            return runtime.flow_run.id

        flow_run_id = flaky_flow()
        assert attempts == [1, 2, 3]
        assert flow_run_id is not None
        run = recorded(store, flow_run_id)
        assert names(run.states) == ["Pending", "Running", *ATTEMPT_STATES * 2, "Completed"]
        assert run.flow_run.run_count == 3
        assert _waits(run.states) == [0.02, 0.02]
        assert run.states[2].message == "Flow run encountered an exception: RuntimeError: not yet"

    def test_flow_fails_when_retries_are_exhausted(self, store: Store) -> None:
        attempts: list[uuid.UUID | None] = []

        @flow(retries=1)
        def always_fails() -> None:
            attempts.append(runtime.flow_run.id)
            raise RuntimeError("never")

        state = always_fails(return_state=True)
        assert repr(state) == "Failed('Flow run encountered an exception: RuntimeError: never')"
        assert len(attempts) == 2 and attempts[0] == attempts[1] and attempts[0] is not None
        run = recorded(store, attempts[0])
        assert names(run.states) == ["Pending", "Running", *ATTEMPT_STATES, "Failed"]
        assert run.flow_run.run_count == 2

    def test_flow_retry_runs_its_tasks_again(self, store: Store) -> None:
        flaky, calls = _failing_task(1)

        @flow(retries=1)
        def retried() -> uuid.UUID | None:
            flaky()
            return runtime.flow_run.id

        flow_run_id = retried()
        assert flow_run_id is not None
        run = recorded(store, flow_run_id)
        assert [(t.name, t.state.name) for t in run.task_runs] == [
            ("flaky-0", "Failed"),
            ("flaky-1", "Completed"),
        ]
