"""Prefect 3's futures and annotations, as its documentation describes them: `return_state`,
`wait_for` with states and plain values, `.map()` over futures, `as_completed`,
`allow_failure`, `quote`, and the final state of a flow that returns futures or states."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cauce import Completed, Failed, State, TaskRunFuture, allow_failure, flow, quote, task
from cauce import unmapped as top_level_unmapped
from cauce.futures import (
    PrefectFuture,
    PrefectFutureList,
    as_completed,
    resolve_futures_to_results,
    resolve_futures_to_states,
    wait,
)
from cauce.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner
from cauce.utilities import annotations
from tests.conftest import Store
from tests.engine.records import only_run_of
from tests.engine.scripts import run


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def boom() -> int:
    raise ValueError("boom")


@task
def numbers(n: int) -> list[int]:
    return list(range(1, n + 1))


@task
def describe(value: Any) -> str:
    return f"{type(value).__name__}: {value}"


class TestReturnState:
    def test_submit_with_return_state_waits_and_gives_the_final_state(self, store: Store) -> None:
        states: list[State] = []

        @flow
        def submits() -> None:
            states.extend([add.submit(1, 2, return_state=True), boom.submit(return_state=True)])

        # The failure was looked at by the flow's code: it does not fail the flow.
        assert submits(return_state=True).is_completed()
        good, bad = states
        assert good.is_completed() and good.result() == 3
        assert bad.is_failed()
        with pytest.raises(ValueError, match="boom"):
            bad.result()
        assert isinstance(bad.result(raise_on_failure=False), ValueError)

    def test_calling_with_return_state_does_not_raise(self, store: Store) -> None:
        @flow
        def calls() -> str:
            state = boom(return_state=True)
            assert isinstance(state, State) and state.is_failed()
            with pytest.raises(ValueError, match="boom"):
                state.result()
            return add(1, 1, return_state=True).result()

        assert calls() == 2
        # The failure was handled by the flow's code: it does not fail the flow.
        assert only_run_of(store, "calls").flow_run.state.name == "Completed"

    def test_map_with_return_state_gives_one_final_state_per_item(self, store: Store) -> None:
        @flow
        def maps() -> list[str]:
            states = add.map([1, 2], top_level_unmapped(10), return_state=True)
            return [f"{s.name}:{s.result()}" for s in states]

        assert maps() == ["Completed:11", "Completed:12"]


class TestWaitFor:
    def test_futures_states_and_plain_values(self, store: Store) -> None:
        release = threading.Event()
        order: list[str] = []

        @task
        def slow() -> None:
            release.wait(10)
            order.append("slow")

        @task
        def after() -> None:
            order.append("after")

        @flow
        def waits() -> None:
            upstream = slow.submit()
            done = add(1, 1, return_state=True)
            downstream = after.submit(wait_for=[upstream, done, 42, "plain"])
            assert not downstream.done()
            release.set()
            downstream.wait()

        assert waits(return_state=True).is_completed()
        assert order == ["slow", "after"]
        run = only_run_of(store, "waits")
        # Only the future is an upstream run: states and plain values record nothing.
        assert run.task_run("after-0").task_inputs == {"wait_for": [run.task_run("slow-0").id]}

    def test_a_failed_state_stops_the_downstream_run(self, store: Store) -> None:
        ran: list[str] = []

        @task
        def after() -> None:
            ran.append("after")

        @flow
        def waits_on_failure() -> str:
            failed = boom(return_state=True)
            return after.submit(wait_for=[failed], return_state=True).name

        assert waits_on_failure() == "Failed"
        assert ran == []

    def test_allow_failure_lets_the_downstream_run(self, store: Store) -> None:
        @task
        def cleanup() -> str:
            return "cleaned"

        @flow
        def cleans_up() -> str:
            failed = boom.submit()
            return cleanup.submit(wait_for=[allow_failure(failed)]).result()

        assert cleans_up() == "cleaned"
        run = only_run_of(store, "cleans-up")
        assert run.task_run("cleanup-0").task_inputs == {"wait_for": [run.task_run("boom-0").id]}


class TestAllowFailure:
    def test_task_receives_the_upstream_exception(self, store: Store) -> None:
        @flow
        def tolerant() -> str:
            return describe.submit(allow_failure(boom.submit())).result()

        assert tolerant() == "ValueError: boom"
        run = only_run_of(store, "tolerant")
        assert run.flow_run.state.name == "Completed"
        assert run.task_run("describe-0").task_inputs == {"value": [run.task_run("boom-0").id]}

    def test_a_completed_upstream_gives_its_result(self, store: Store) -> None:
        @flow
        def tolerant_ok() -> str:
            return describe(allow_failure(add.submit(2, 3)))

        assert tolerant_ok() == "int: 5"

    def test_without_it_the_downstream_run_fails_without_running(self, store: Store) -> None:
        calls: list[Any] = []

        @task
        def strict(value: Any) -> None:
            calls.append(value)

        @flow
        def intolerant() -> State:
            return strict.submit(boom.submit(), return_state=True)

        state = intolerant(return_state=True)
        assert state.is_failed()
        assert "Upstream task run 'boom-0' did not complete" in (state.message or "")
        assert calls == []

    def test_allow_failure_over_a_list_of_futures(self, store: Store) -> None:
        @task
        def count_errors(values: list[Any]) -> int:
            return sum(isinstance(v, Exception) for v in values)

        @flow
        def mixed() -> int:
            return count_errors(allow_failure([add.submit(1, 1), boom.submit(), boom.submit()]))

        assert mixed() == 2

    def test_map_over_allow_failure_wraps_each_item(self, store: Store) -> None:
        @flow
        def maps_tolerant() -> list[str]:
            upstream = [add.submit(1, 1), boom.submit()]
            return describe.map(allow_failure(upstream)).result()

        assert maps_tolerant() == ["int: 2", "ValueError: boom"]


class TestQuote:
    def test_quoted_value_is_passed_without_resolving_its_futures(self, store: Store) -> None:
        @task
        def inspect(items: list[Any]) -> list[str]:
            return [type(i).__name__ for i in items]

        @flow
        def quotes() -> list[str]:
            future = add.submit(1, 2)
            names = inspect(quote([future, 7]))
            future.wait()
            return names

        assert quotes() == ["TaskRunFuture", "int"]
        run = only_run_of(store, "quotes")
        assert run.task_run("inspect-0").task_inputs == {}

    def test_quote_unquote_and_prefect_path(self) -> None:
        data = {"big": list(range(3))}
        assert quote(data).unquote() is data
        assert annotations.quote is quote
        assert annotations.allow_failure is allow_failure
        assert annotations.unmapped is top_level_unmapped
        assert allow_failure(data).unwrap() is data


class TestMapOverFutures:
    def test_map_over_a_future_maps_over_its_result(self, store: Store) -> None:
        @flow
        def maps_future() -> list[int]:
            return add.map(numbers.submit(3), top_level_unmapped(10)).result()

        assert maps_future() == [11, 12, 13]

    def test_map_over_a_list_of_futures(self, store: Store) -> None:
        @flow
        def maps_futures() -> list[int]:
            return add.map([add.submit(1, 1), add.submit(2, 2)], [10, 20]).result()

        assert maps_futures() == [12, 24]
        run = only_run_of(store, "maps-futures")
        assert run.task_run("add-2").task_inputs == {"x": [run.task_run("add-0").id]}


class TestFuturesModule:
    def test_as_completed_yields_in_finishing_order(self, store: Store) -> None:
        release = threading.Event()

        @task
        def held() -> str:
            release.wait(10)
            return "held"

        @task
        def quick() -> str:
            return "quick"

        @flow
        def races() -> list[str]:
            futures = [held.submit(), quick.submit()]
            seen = []
            for future in as_completed(futures):
                seen.append(future.result())
                release.set()
            return seen

        assert races() == ["quick", "held"]

    def test_as_completed_times_out(self, store: Store) -> None:
        release = threading.Event()

        @task
        def held() -> None:
            release.wait(10)

        @flow
        def times_out() -> str:
            future = held.submit()
            try:
                list(as_completed([future], timeout=0.05))
            except TimeoutError:
                return "timed out"
            finally:
                release.set()
            return "finished"

        assert times_out() == "timed out"

    def test_resolve_futures_in_collections(self, store: Store) -> None:
        @flow
        def resolves() -> tuple[Any, Any]:
            nested = {"a": [add.submit(1, 1), 3], "b": (boom.submit(),)}
            states = resolve_futures_to_states(nested)
            with pytest.raises(ValueError, match="boom"):
                resolve_futures_to_results(nested)
            return (
                {"a": [states["a"][0].name, states["a"][1]], "b": states["b"][0].name},
                resolve_futures_to_results({"x": [add.submit(2, 2)]}),
            )

        assert resolves() == ({"a": ["Completed", 3], "b": "Failed"}, {"x": [4]})

    def test_add_done_callback_gets_the_future(self, store: Store) -> None:
        seen: list[str] = []
        called = threading.Event()

        def callback(future: TaskRunFuture[int]) -> None:
            seen.append(f"{future.task_run.name}={future.result()}")
            called.set()

        @flow
        def calls_back() -> None:
            future = add.submit(1, 2)
            future.add_done_callback(callback)
            future.wait()
            # Added once the run has finished: called at once, in this thread.
            future.add_done_callback(lambda f: seen.append("after"))
            assert seen[-1] == "after"

        calls_back()
        assert called.wait(10)
        assert sorted(seen) == ["add-0=3", "after"]

    def test_prefect_names(self, store: Store) -> None:
        assert PrefectFuture is TaskRunFuture
        assert ConcurrentTaskRunner is ThreadPoolTaskRunner

        @flow(task_runner=ConcurrentTaskRunner(max_workers=2))
        def concurrent() -> int:
            futures = add.map([1, 2, 3], top_level_unmapped(1))
            assert isinstance(futures, PrefectFutureList)
            assert all(isinstance(f, PrefectFuture) for f in futures)
            done, not_done = wait(futures)
            return len(done) * 10 + len(not_done)

        assert concurrent() == 30


class TestFlowReturningFuturesOrStates:
    def test_list_of_futures_with_one_failed_fails_the_flow(self, store: Store) -> None:
        @flow
        def returns_futures() -> list[TaskRunFuture[int]]:
            return [add.submit(1, 1), boom.submit()]

        state = returns_futures(return_state=True)
        assert (state.name, state.message) == ("Failed", "1/2 states failed.")
        with pytest.raises(ValueError, match="boom"):
            state.result()
        recorded = only_run_of(store, "returns-futures").flow_run.state
        assert (recorded.name, recorded.message) == ("Failed", "1/2 states failed.")

    def test_list_of_completed_futures_completes_the_flow(self, store: Store) -> None:
        @flow
        def returns_good_futures() -> list[TaskRunFuture[int]]:
            return [add.submit(1, 1), add.submit(2, 2)]

        state = returns_good_futures(return_state=True)
        assert (state.name, state.message) == ("Completed", "All states completed.")

    def test_returned_state_is_the_flows_state(self, store: Store) -> None:
        @flow
        def returns_failed_state() -> State:
            return Failed("nothing to do", data=RuntimeError("nothing"))

        @flow
        def returns_completed_state() -> State:
            return Completed("done early", data=7)

        failed = returns_failed_state(return_state=True)
        assert (failed.name, failed.message) == ("Failed", "nothing to do")
        with pytest.raises(RuntimeError, match="nothing"):
            failed.result()
        assert returns_completed_state() == 7
        recorded = only_run_of(store, "returns-failed-state").flow_run.state
        assert (recorded.name, recorded.message) == ("Failed", "nothing to do")

    def test_quoted_state_is_a_plain_return_value(self, store: Store) -> None:
        failed = Failed("only data")

        @flow
        def returns_quoted() -> quote[State]:
            return quote(failed)

        state = returns_quoted(return_state=True)
        assert state.is_completed()
        assert state.result().unquote() is failed


DOCS_SCRIPT = """
from cauce import flow, task, allow_failure
from cauce.futures import as_completed, wait


@task
def extract(n: int) -> list[int]:
    return list(range(n))


@task
def double(x: int) -> int:
    if x == 2:
        raise ValueError("two is not allowed")
    return x * 2


@task
def report(values):
    return sorted(v if isinstance(v, int) else -1 for v in values)


@flow
def pipeline() -> list[int]:
    doubled = double.map(extract.submit(4))
    wait(doubled)
    finished = sum(1 for _ in as_completed(doubled))
    print("finished", finished)
    summary = report.submit(allow_failure(doubled)).result()
    print("summary", summary)
    state = double.submit(2, return_state=True)
    print("state", state.name)
    return summary


if __name__ == "__main__":
    pipeline()
"""


def test_docs_style_script(store: Store, tmp_path: Path) -> None:
    result = run(tmp_path, DOCS_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["finished 4", "summary [-1, 0, 2, 6]", "state Failed"]
    assert "Finished in state Completed" in result.stderr.splitlines()[-1]
