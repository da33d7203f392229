"""Runs inside runs: subflows, tasks calling tasks and flows, and async runs side by side."""

from __future__ import annotations

import asyncio
import uuid

from cauce import flow, runtime, task
from tests.conftest import Store
from tests.engine.records import flow_runs_of, names, only_run_of, recorded


@flow
def child(x: int) -> int:
    return x + 100


@task
def inner(x: int) -> int:
    return x * 2


class TestSubflows:
    def test_flow_called_in_a_flow_is_a_subflow_linked_to_its_parent(self, store: Store) -> None:
        @flow
        def parent() -> int:
            return child(1) + child(2)

        assert parent() == 203
        run = only_run_of(store, "parent")
        subflows = store.client.read_subflow_runs(run.flow_run.id)
        assert [s.flow_name for s in subflows] == ["child", "child"]
        assert [s.parameters for s in subflows] == [{"x": 1}, {"x": 2}]
        assert all(s.state.name == "Completed" for s in subflows)
        assert all(names(store.client.read_flow_run_states(s.id)) == [
            "Pending", "Running", "Completed"
        ] for s in subflows)  # fmt: skip
        assert run.flow_run.parent_task_run_id is None
        assert (
            sum(
                f"Created subflow run {s.name!r} for flow 'child'" in run.messages for s in subflows
            )
            == 2
        )

    def test_failed_subflow_fails_its_parent(self, store: Store) -> None:
        @flow
        def failing_child() -> None:
            raise ValueError("child broke")

        @flow
        def parent_of_failure() -> None:
            failing_child()

        state = parent_of_failure(return_state=True)
        assert repr(state) == (
            "Failed('Flow run encountered an exception: ValueError: child broke')"
        )
        run = only_run_of(store, "parent-of-failure")
        [subflow] = store.client.read_subflow_runs(run.flow_run.id)
        assert subflow.state.is_failed()

    def test_subflow_run_logs_are_recorded_on_the_subflow(self, store: Store) -> None:
        @flow
        def logging_child() -> uuid.UUID | None:
            return runtime.flow_run.id

        @flow
        def parent() -> tuple[uuid.UUID | None, uuid.UUID | None]:
            return runtime.flow_run.id, logging_child()

        parent_id, child_id = parent()
        assert parent_id is not None and child_id is not None and parent_id != child_id
        assert "Finished in state Completed()" in recorded(store, child_id).messages


class TestTasksCallingRuns:
    def test_task_calling_a_task_records_both_in_the_flow_run(self, store: Store) -> None:
        @task
        def outer(x: int) -> int:
            return inner(x) + 1

        @flow
        def nested_tasks() -> int:
            return outer(5)

        assert nested_tasks() == 11
        run = only_run_of(store, "nested-tasks")
        assert [(t.name, t.state.name) for t in run.task_runs] == [
            ("outer-0", "Completed"),
            ("inner-0", "Completed"),
        ]

    def test_task_calling_a_flow_makes_a_subflow_linked_to_the_task(self, store: Store) -> None:
        @task
        def starts_a_flow(x: int) -> int:
            return child(x)

        @flow
        def parent() -> int:
            return starts_a_flow(1)

        assert parent() == 101
        run = only_run_of(store, "parent")
        [task_run] = run.task_runs
        [subflow] = store.client.read_subflow_runs(run.flow_run.id)
        assert subflow.flow_name == "child"
        assert subflow.parent_task_run_id == task_run.id

    def test_submitted_task_calling_a_task(self, store: Store) -> None:
        @task
        def outer(x: int) -> int:
            return inner(x) + 1

        @flow
        def submits_outer() -> list[int]:
            return outer.map([1, 2]).result()

        assert submits_outer() == [3, 5]
        run = only_run_of(store, "submits-outer")
        assert sorted(t.name for t in run.task_runs) == ["inner-0", "inner-1", "outer-0", "outer-1"]

    def test_flow_called_outside_any_flow_is_a_top_level_run(self, store: Store) -> None:
        assert child(1) == 101
        [run] = flow_runs_of(store, "child")
        assert run.parent_task_run_id is None

    def test_task_called_outside_a_flow_runs_and_returns(self, store: Store) -> None:
        assert inner(4) == 8


class _Meeting:
    """Two coroutines that each wait, up to 10 s, until both have arrived: run one after the
    other, the first gives up with TimeoutError. Overlap is proven without timing anything."""

    def __init__(self) -> None:
        self.arrived = 0
        self.everyone = asyncio.Event()

    async def attend(self) -> None:
        self.arrived += 1
        if self.arrived == 2:
            self.everyone.set()
        await asyncio.wait_for(self.everyone.wait(), timeout=10)


class TestAsyncConcurrency:
    def test_gather_over_async_subflows_overlaps(self, store: Store) -> None:
        @flow
        async def meets(n: int, meeting: _Meeting) -> int:
            await meeting.attend()
            return n

        @flow
        async def parent() -> list[int]:
            meeting = _Meeting()
            return list(await asyncio.gather(meets(1, meeting), meets(2, meeting)))

        assert asyncio.run(parent()) == [1, 2]
        run = only_run_of(store, "parent")
        subflows = store.client.read_subflow_runs(run.flow_run.id)
        assert len(subflows) == 2
        first, second = subflows
        assert first.start_time is not None and second.end_time is not None
        assert second.start_time is not None and first.end_time is not None
        assert first.start_time < second.end_time and second.start_time < first.end_time

    def test_gather_over_async_tasks_overlaps(self, store: Store) -> None:
        @task
        async def meets(n: int, meeting: _Meeting) -> int:
            await meeting.attend()
            return n

        @flow
        async def parent() -> list[int]:
            meeting = _Meeting()
            return list(await asyncio.gather(meets(1, meeting), meets(2, meeting)))

        assert asyncio.run(parent()) == [1, 2]
        run = only_run_of(store, "parent")
        assert sorted(t.name for t in run.task_runs) == ["meets-0", "meets-1"]
        assert all(t.state.name == "Completed" for t in run.task_runs)

    def test_sync_task_inside_an_async_flow(self, store: Store) -> None:
        @flow
        async def mixed() -> int:
            return inner(3)

        assert asyncio.run(mixed()) == 6

    def test_async_flow_returns_a_coroutine_to_await(self, store: Store) -> None:
        @flow
        async def answer() -> int:
            return 42

        coroutine = answer()
        assert asyncio.iscoroutine(coroutine)
        assert asyncio.run(coroutine) == 42

    def test_async_subflows_are_each_recorded(self, store: Store) -> None:
        @flow
        async def quick(n: int) -> int:
            return n

        @flow
        async def many() -> list[int]:
            return list(await asyncio.gather(*(quick(n) for n in range(3))))

        assert asyncio.run(many()) == [0, 1, 2]
        run = only_run_of(store, "many")
        subflows = store.client.read_subflow_runs(run.flow_run.id)
        assert sorted(s.parameters["n"] for s in subflows) == [0, 1, 2]
