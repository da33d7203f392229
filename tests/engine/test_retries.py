"""Retries of tasks and flows: attempts, the delays between them, and what is recorded."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest

from cauce import exponential_backoff, flow, runtime, task
from cauce.engine.retries import retry_delay_seconds
from cauce.states import State
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import names, only_run_of, recorded, task_state_names

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


class TestExponentialBackoff:
    def test_delays_double_from_the_factor(self) -> None:
        assert exponential_backoff(backoff_factor=0.5)(5) == [0.5, 1.0, 2.0, 4.0, 8.0]

    def test_one_delay_per_retry(self) -> None:
        assert exponential_backoff(3)(1) == [3]
        assert exponential_backoff(3)(0) == []

    def test_each_retry_waits_its_own_doubled_delay(self) -> None:
        backoff = exponential_backoff(10)
        waits = [retry_delay_seconds(backoff, 4, attempt) for attempt in (1, 2, 3, 4)]
        assert waits == [10.0, 20.0, 40.0, 80.0]


class TestRetryDelaySeconds:
    def test_no_delay_is_zero(self) -> None:
        assert retry_delay_seconds(None, 3, 1) == 0.0

    def test_a_number_is_the_delay_of_every_retry(self) -> None:
        assert [retry_delay_seconds(2, 3, attempt) for attempt in (1, 2, 3)] == [2.0, 2.0, 2.0]
        assert isinstance(retry_delay_seconds(2, 3, 1), float)

    def test_a_list_is_used_in_order_and_its_last_delay_repeats(self) -> None:
        delays = [1, 5, 7]
        waits = [retry_delay_seconds(delays, 5, attempt) for attempt in (1, 2, 3, 4, 5)]
        assert waits == [1.0, 5.0, 7.0, 7.0, 7.0]

    def test_an_empty_list_is_no_delay(self) -> None:
        assert retry_delay_seconds([], 2, 1) == 0.0

    def test_a_function_is_given_the_number_of_retries(self) -> None:
        asked: list[int] = []

        def delays(retries: int) -> list[float]:
            asked.append(retries)
            return [float(n) for n in range(1, retries + 1)]

        assert retry_delay_seconds(delays, 4, 3) == 3.0
        assert asked == [4]


class TestJitter:
    """The jitter is drawn from the module's random generator: seeding it fixes the draw."""

    def test_jitter_adds_a_seeded_draw_up_to_the_factor_of_the_delay(self) -> None:
        random.seed(20240611)
        wait = retry_delay_seconds(10, 3, 1, jitter_factor=0.5)
        expected = 10 + random.Random(20240611).uniform(0, 10 * 0.5)
        assert wait == expected
        assert wait > 10

    def test_jittered_delays_spread_over_the_whole_range(self) -> None:
        random.seed(7)
        waits = [retry_delay_seconds([4, 8], 2, 2, jitter_factor=1) for _ in range(200)]
        assert all(8 <= w <= 16 for w in waits), waits
        assert min(waits) < 9 and max(waits) > 15  # not stuck at either end
        assert len(set(waits)) == 200

    def test_jitter_applies_to_backoff_delays(self) -> None:
        random.seed(3)
        waits = [
            retry_delay_seconds(exponential_backoff(1), 3, attempt, jitter_factor=0.1)
            for attempt in (1, 2, 3)
        ]
        random.seed(3)
        expected = [base + random.uniform(0, base * 0.1) for base in (1.0, 2.0, 4.0)]
        assert waits == expected

    @pytest.mark.parametrize("factor", [None, 0])
    def test_without_a_jitter_factor_the_delay_is_exact(self, factor: float | None) -> None:
        random.seed(1)
        assert retry_delay_seconds(10, 1, 1, jitter_factor=factor) == 10.0
        assert random.random() == random.Random(1).random()  # no draw was taken


RETRIED_TASK_IN_A_SCRIPT = """
    import time
    from cauce import flow, task, get_run_logger

    @task(retries=3)
    def step():
        get_run_logger().info("step started")
        time.sleep(30)

    @flow
    def long_job():
        step()

    if __name__ == "__main__":
        long_job()
"""


class TestInterruptionsAreNotRetried:
    """Ctrl-C, SIGTERM and cancellation stop a task with retries left after one attempt."""

    def test_keyboard_interrupt_in_a_task_with_retries_ends_it_after_one_attempt(
        self, store: Store
    ) -> None:
        calls: list[int] = []

        @task(retries=3)
        def interrupted() -> None:
            calls.append(1)
            raise KeyboardInterrupt

        @flow
        def stopped() -> None:
            interrupted()

        with pytest.raises(KeyboardInterrupt):
            stopped()
        assert calls == [1]
        [task_run] = only_run_of(store, "stopped").task_runs
        assert task_run.run_count == 1
        assert task_state_names(store, task_run) == ["Pending", "Running", "Cancelled"]

    def test_cancelled_async_task_with_retries_ends_after_one_attempt(self, store: Store) -> None:
        calls: list[int] = []

        @task(retries=3)
        async def cancelled() -> None:
            calls.append(1)
            raise asyncio.CancelledError

        @flow
        async def awaits_it() -> None:
            await cancelled()

        with pytest.raises(asyncio.CancelledError):
            asyncio.run(awaits_it())
        assert calls == [1]
        [task_run] = only_run_of(store, "awaits-it").task_runs
        assert task_run.run_count == 1
        assert task_state_names(store, task_run) == ["Pending", "Running", "Cancelled"]
        assert task_run.state.message == "Task run was cancelled (asyncio.CancelledError)."

    @pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
    @pytest.mark.parametrize(
        ("signum", "final"),
        [(signal.SIGINT, "Cancelled"), (signal.SIGTERM, "Crashed")],
        ids=["SIGINT", "SIGTERM"],
    )
    def test_a_signal_to_the_script_is_not_retried(
        self, store: Store, tmp_path: Path, signum: int, final: str
    ) -> None:
        script = scripts.RunningScript(scripts.write_script(tmp_path, RETRIED_TASK_IN_A_SCRIPT))
        try:
            script.wait_for_line("step started")
            script.process.send_signal(signum)
            status = script.finish(timeout=20)
        finally:
            script.kill()
        assert status != 0, script.stderr
        run = only_run_of(store, "long-job")
        [task_run] = run.task_runs
        assert task_run.run_count == 1
        assert task_state_names(store, task_run) == ["Pending", "Running", final]
        assert run.messages.count("step started") == 1
        assert not [m for m in run.messages if "Retry" in m]
