"""Submitted task runs: futures, `.map()`, `wait()`, and futures as inputs of other tasks."""

from __future__ import annotations

import threading
import time

import pytest

from cauce import TaskRunFuture, flow, task, unmapped, wait
from tests.conftest import Store
from tests.engine.records import only_run_of, task_state_names


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def boom() -> int:
    raise ValueError("boom")


class TestSubmit:
    def test_submit_returns_a_future_with_the_result(self, store: Store) -> None:
        @flow
        def submits() -> int:
            future = add.submit(1, 2)
            assert isinstance(future, TaskRunFuture)
            return future.result()

        assert submits() == 3
        [task_run] = only_run_of(store, "submits").task_runs
        assert task_run.name == "add-0"
        assert task_state_names(store, task_run) == ["Pending", "Running", "Completed"]

    def test_future_state_and_wait(self, store: Store) -> None:
        @flow
        def submits() -> str:
            future = add.submit(1, 2)
            future.wait()
            return repr(future.state)

        assert submits() == "Completed()"

    def test_result_of_a_failed_run_raises_its_exception(self, store: Store) -> None:
        @flow
        def submits_boom() -> str:
            with pytest.raises(ValueError, match="boom"):
                boom.submit().result()
            error = boom.submit().result(raise_on_failure=False)
            return type(error).__name__

        assert submits_boom() == "ValueError"

    def test_submitted_runs_run_concurrently(self, store: Store) -> None:
        # Each run waits until all three are running; one at a time, the barrier breaks.
        all_three = threading.Barrier(3, timeout=10)

        @task
        def meet() -> None:
            all_three.wait()

        @flow
        def meetings() -> None:
            wait([meet.submit() for _ in range(3)])

        assert meetings(return_state=True).is_completed()

    def test_flow_waits_for_submitted_runs_it_did_not_wait_for(self, store: Store) -> None:
        done = threading.Event()

        @task
        def slow() -> None:
            time.sleep(0.2)
            done.set()

        @flow
        def fire_and_forget() -> None:
            slow.submit()

        state = fire_and_forget(return_state=True)
        assert done.is_set()
        assert repr(state) == "Completed('All states completed.')"
        [task_run] = only_run_of(store, "fire-and-forget").task_runs
        assert task_run.state.name == "Completed"

    def test_returned_future_gives_the_flow_its_result(self, store: Store) -> None:
        @flow
        def returns_future() -> TaskRunFuture[int]:
            return add.submit(2, 3)

        assert returns_future() == 5


class TestMap:
    def test_map_submits_one_run_per_item(self, store: Store) -> None:
        @flow
        def maps() -> list[int]:
            return add.map([1, 2, 3], [10, 20, 30]).result()

        assert maps() == [11, 22, 33]
        run = only_run_of(store, "maps")
        assert sorted(t.name for t in run.task_runs) == ["add-0", "add-1", "add-2"]

    def test_unmapped_argument_is_passed_whole_to_every_run(self, store: Store) -> None:
        @task
        def total(x: int, numbers: list[int]) -> int:
            return x + sum(numbers)

        @flow
        def maps_unmapped() -> list[int]:
            return total.map([1, 2], unmapped([100, 200])).result()

        assert maps_unmapped() == [301, 302]

    def test_map_over_futures_resolves_each(self, store: Store) -> None:
        @flow
        def chains() -> list[int]:
            firsts = add.map([1, 2], [1, 1])
            return add.map(firsts, unmapped(10)).result()

        assert chains() == [12, 13]

    def test_map_with_iterables_of_different_lengths_is_an_error(self, store: Store) -> None:
        @flow
        def mismatched() -> None:
            add.map([1, 2], [1])

        with pytest.raises(ValueError, match="different lengths"):
            mismatched()

    def test_map_list_wait_and_cauce_wait(self, store: Store) -> None:
        @flow
        def waits() -> tuple[int, int]:
            futures = add.map([1, 2], unmapped(1))
            futures.wait()
            done, not_done = wait(futures)
            return len(done), len(not_done)

        assert waits() == (2, 0)


class TestDependencies:
    def test_future_passed_to_a_task_is_resolved_and_recorded(self, store: Store) -> None:
        @flow
        def pipeline() -> int:
            first = add.submit(1, 2)
            second = add.submit(first, 10)
            third = add(second, first)
            return third

        assert pipeline() == 16
        run = only_run_of(store, "pipeline")
        first, second, third = (run.task_run(f"add-{i}") for i in range(3))
        assert first.task_inputs == {}
        assert second.task_inputs == {"x": [first.id]}
        assert third.task_inputs == {"x": [second.id], "y": [first.id]}

    def test_futures_inside_collections_are_resolved(self, store: Store) -> None:
        @task
        def total(numbers: list[int]) -> int:
            return sum(numbers)

        @flow
        def collects() -> int:
            return total([add.submit(1, 1), add.submit(2, 2), 5])

        assert collects() == 11
        run = only_run_of(store, "collects")
        total_run = run.task_run("total-0")
        assert sorted(total_run.task_inputs["numbers"]) == sorted(
            [run.task_run("add-0").id, run.task_run("add-1").id]
        )

    def test_wait_for_delays_a_task_and_is_recorded(self, store: Store) -> None:
        order: list[str] = []

        @task
        def first() -> None:
            time.sleep(0.1)
            order.append("first")

        @task
        def second() -> None:
            order.append("second")

        @flow
        def ordered() -> None:
            upstream = first.submit()
            second.submit(wait_for=[upstream]).wait()

        ordered()
        assert order == ["first", "second"]
        run = only_run_of(store, "ordered")
        assert run.task_run("second-0").task_inputs == {"wait_for": [run.task_run("first-0").id]}

    def test_wait_for_on_a_direct_call(self, store: Store) -> None:
        @flow
        def waits_directly() -> int:
            upstream = add.submit(1, 1)
            return add(2, 2, wait_for=[upstream])

        assert waits_directly() == 4
        run = only_run_of(store, "waits-directly")
        assert run.task_run("add-1").task_inputs == {"wait_for": [run.task_run("add-0").id]}


class TestUpstreamFailure:
    def test_failed_upstream_fails_the_downstream_without_running_it(self, store: Store) -> None:
        ran: list[int] = []

        @task
        def downstream(x: int) -> None:
            ran.append(x)

        @flow
        def broken_pipeline() -> None:
            downstream.submit(boom.submit()).wait()

        state = broken_pipeline(return_state=True)
        assert ran == []
        assert repr(state) == "Failed('1/2 states failed.')"
        run = only_run_of(store, "broken-pipeline")
        down = run.task_run("downstream-0")
        assert down.state.is_failed()
        assert down.state.message == (
            "Upstream task run 'boom-0' did not complete: "
            "Failed('Task run encountered an exception ValueError: boom')"
        )
        assert task_state_names(store, down) == ["Pending", "Failed"]
        assert down.task_inputs == {"x": [run.task_run("boom-0").id]}

    def test_failed_wait_for_upstream_fails_the_downstream(self, store: Store) -> None:
        ran: list[bool] = []

        @task
        def downstream() -> None:
            ran.append(True)

        @flow
        def waits_on_failure() -> None:
            downstream.submit(wait_for=[boom.submit()])

        state = waits_on_failure(return_state=True)
        assert ran == []
        assert state.is_failed()
        down = only_run_of(store, "waits-on-failure").task_run("downstream-0")
        assert down.state.message is not None
        assert down.state.message.startswith("Upstream task run 'boom-0' did not complete")

    def test_result_of_the_failed_downstream_names_the_upstream(self, store: Store) -> None:
        @flow
        def asks_downstream() -> int:
            return add.submit(boom.submit(), 1).result()

        with pytest.raises(Exception, match="Upstream task run 'boom-0' did not complete"):
            asks_downstream()
