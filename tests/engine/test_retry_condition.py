"""`@task(retry_condition_fn=)`: after a failed attempt, a retry follows only when the
condition `(task, task_run, state)` returns True; a condition that raises means no
retry, and its error is in the run's logs."""

from __future__ import annotations

import uuid
from typing import Any

from cauce import flow, runtime, task
from cauce.schemas.task_runs import TaskRun
from cauce.states import State
from cauce.tasks import Task
from tests.conftest import Store
from tests.engine.records import recorded


def _failing(
    retries: int, condition: Any, errors: list[Exception]
) -> tuple[Task[[], str], list[int]]:
    """A task raising `errors` in turn (then returning "done"); its attempts are counted."""
    attempts: list[int] = []

    @task(retries=retries, retry_condition_fn=condition)
    def flaky() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= len(errors):
            raise errors[len(attempts) - 1]
        return "done"

    return flaky, attempts


def _run(a_task: Task[[], str]) -> tuple[State, uuid.UUID]:
    @flow
    def runs_task() -> tuple[State, uuid.UUID | None]:
        return a_task(return_state=True), runtime.flow_run.id

    state, flow_run_id = runs_task()
    assert flow_run_id is not None
    return state, flow_run_id


def _always(answer: bool) -> Any:
    return lambda _task, _task_run, _state: answer


class TestRetryCondition:
    def test_true_retries_until_the_retries_are_used(self, store: Store) -> None:
        flaky, attempts = _failing(2, _always(True), [ValueError("a")] * 5)
        state, flow_run_id = _run(flaky)
        assert state.is_failed()
        assert attempts == [1, 2, 3]
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.run_count == 3

    def test_true_retries_until_success(self, store: Store) -> None:
        flaky, attempts = _failing(3, _always(True), [ValueError("a")])
        state, _ = _run(flaky)
        assert [state.name, state.result()] == ["Completed", "done"]
        assert attempts == [1, 2]

    def test_false_stops_after_the_first_attempt(self, store: Store) -> None:
        flaky, attempts = _failing(3, _always(False), [ValueError("a")])
        state, flow_run_id = _run(flaky)
        assert state.is_failed()
        assert attempts == [1]
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.run_count == 1
        assert task_run.state.is_failed()

    def test_the_condition_sees_the_task_the_run_and_the_failure(self, store: Store) -> None:
        seen: list[tuple[str, str, str, str]] = []

        def only_timeouts(a_task: Task[..., Any], task_run: TaskRun, state: State) -> bool:
            error = state.result(raise_on_failure=False)
            seen.append((a_task.name, task_run.name, state.type.value, type(error).__name__))
            return isinstance(error, TimeoutError)

        flaky, attempts = _failing(5, only_timeouts, [TimeoutError(), KeyError("k")])
        state, _ = _run(flaky)
        assert state.is_failed()
        assert attempts == [1, 2]
        assert seen == [
            ("flaky", "flaky-0", "FAILED", "TimeoutError"),
            ("flaky", "flaky-0", "FAILED", "KeyError"),
        ]

    def test_a_condition_that_raises_means_no_retry_and_is_logged(self, store: Store) -> None:
        def broken(_task: Any, _task_run: Any, _state: Any) -> bool:
            raise RuntimeError("condition broke")

        flaky, attempts = _failing(3, broken, [ValueError("a")])
        state, flow_run_id = _run(flaky)
        assert state.is_failed()
        assert attempts == [1]
        messages = recorded(store, flow_run_id).messages
        assert any(
            "An error was encountered while running `retry_condition_fn`" in m for m in messages
        )

    def test_not_called_without_retries_left(self, store: Store) -> None:
        calls: list[int] = []

        def counts(_task: Any, _task_run: Any, _state: Any) -> bool:
            calls.append(1)
            return True

        flaky, attempts = _failing(1, counts, [ValueError("a")] * 3)
        assert _run(flaky)[0].is_failed()
        assert (attempts, calls) == ([1, 2], [1])

    def test_a_success_never_calls_it(self, store: Store) -> None:
        calls: list[int] = []

        def counts(_task: Any, _task_run: Any, _state: Any) -> bool:
            calls.append(1)
            return True

        flaky, attempts = _failing(2, counts, [])
        assert _run(flaky)[0].result() == "done"
        assert (attempts, calls) == ([1], [])
