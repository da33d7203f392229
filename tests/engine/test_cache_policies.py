"""Prefect 3's caching API: cache policies, task_input_hash, persist_result, result and
key storage, refresh_cache. What a user sees: whether the function runs again, the
value, the task run's state, and the files the cache leaves."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cauce import flow, runtime, task
from cauce.cache_policies import (
    DEFAULT,
    FLOW_PARAMETERS,
    INPUTS,
    NO_CACHE,
    NONE,
    RUN_ID,
    TASK_SOURCE,
    CachePolicy,
    CompoundCachePolicy,
    Inputs,
)
from cauce.filesystems import LocalFileSystem
from cauce.states import State
from cauce.tasks import Task, task_input_hash
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import recorded, task_state_names


def _counting(**options: Any) -> tuple[Task[..., Any], list[int]]:
    calls: list[int] = []

    @task(**options)
    def double(x: int, label: str = "") -> int:
        calls.append(x)
        return 2 * x

    return double, calls


def _run(a_task: Task[..., Any], *args: Any, **kwargs: Any) -> tuple[State, uuid.UUID]:
    @flow
    def runs_task() -> tuple[State, uuid.UUID | None]:
        return a_task(*args, return_state=True, **kwargs), runtime.flow_run.id

    state, flow_run_id = runs_task()
    assert flow_run_id is not None
    return state, flow_run_id


def _states(a_task: Task[..., Any], *calls: tuple[Any, ...]) -> list[str]:
    """The state names of `a_task` called once per argument tuple, each in its own flow run."""
    return [_run(a_task, *args)[0].name for args in calls]


class TestInputs:
    def test_a_second_flow_run_with_the_same_inputs_is_a_cache_hit(self, store: Store) -> None:
        double, calls = _counting(cache_policy=INPUTS)
        first, _ = _run(double, 4)
        second, flow_run_id = _run(double, 4)
        assert [first.name, second.name] == ["Completed", "Cached"]
        assert second.is_completed() and second.result() == 8
        assert calls == [4]
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.state.name == "Cached"
        assert task_state_names(store, task_run) == ["Pending", "Cached"]

    def test_other_inputs_miss(self, store: Store) -> None:
        double, calls = _counting(cache_policy=INPUTS)
        assert _states(double, (1,), (2,)) == ["Completed", "Completed"]
        assert calls == [1, 2]

    @pytest.mark.parametrize("policy", [INPUTS - "label", Inputs(exclude=["label"])])
    def test_an_excluded_input_does_not_change_the_key(
        self, store: Store, policy: CachePolicy
    ) -> None:
        double, calls = _counting(cache_policy=policy)
        assert _states(double, (3, "a"), (3, "b"), (4, "a")) == ["Completed", "Cached", "Completed"]
        assert calls == [3, 4]

    def test_inputs_that_cannot_be_hashed_run_uncached_with_a_warning(self, store: Store) -> None:
        calls: list[int] = []

        @task(cache_policy=INPUTS)
        def takes_a_lock(lock: Any) -> int:
            calls.append(1)
            return 1

        lock = threading.Lock()
        first, flow_run_id = _run(takes_a_lock, lock)
        second, _ = _run(takes_a_lock, lock)
        assert [first.name, second.name] == ["Completed", "Completed"]
        assert calls == [1, 1]
        messages = recorded(store, flow_run_id).messages
        assert any(m.startswith("Could not compute this run's cache key") for m in messages)


class TestTaskSource:
    def test_changed_source_misses_and_the_same_source_hits(self, store: Store) -> None:
        calls: list[str] = []

        @task(name="compute", cache_policy=TASK_SOURCE)
        def compute() -> str:
            calls.append("old")
            return "old"

        old = compute

        @task(name="compute", cache_policy=TASK_SOURCE)  # type: ignore[no-redef]
        def compute() -> str:
            calls.append("new")
            return "new"

        assert _run(old)[0].name == "Completed"
        changed, _ = _run(compute)
        again, _ = _run(old)
        assert [changed.name, changed.result()] == ["Completed", "new"]
        assert [again.name, again.result()] == ["Cached", "old"]
        assert calls == ["old", "new"]

    SCRIPT = """
        from cauce import flow, task
        from cauce.cache_policies import INPUTS, TASK_SOURCE

        @task(cache_policy=TASK_SOURCE + INPUTS)
        def greet(name: str) -> str:
            print("computing")
            return "{greeting}, " + name

        @flow
        def greeting() -> str:
            return greet("Ada")

        if __name__ == "__main__":
            print(greeting())
    """

    def test_editing_the_script_between_runs_recomputes(self, store: Store, tmp_path: Path) -> None:
        runs = [
            scripts.run(tmp_path, self.SCRIPT.replace("{greeting}", greeting))
            for greeting in ["Hello", "Hello", "Hi"]
        ]
        for run in runs:
            assert run.returncode == 0, run.stderr
        assert [run.stdout.splitlines() for run in runs] == [
            ["computing", "Hello, Ada"],
            ["Hello, Ada"],
            ["computing", "Hi, Ada"],
        ]


class TestRunIdAndFlowParameters:
    def test_default_hits_within_a_flow_run_only(self, store: Store) -> None:
        double, calls = _counting(cache_policy=DEFAULT)

        @flow
        def twice() -> list[str]:
            return [double(5, return_state=True).name for _ in range(2)]

        assert twice() == ["Completed", "Cached"]
        assert twice() == ["Completed", "Cached"]
        assert calls == [5, 5]

    def test_run_id_alone_ignores_the_inputs(self, store: Store) -> None:
        double, calls = _counting(cache_policy=RUN_ID)

        @flow
        def two_inputs() -> list[int]:
            return [double(1), double(2)]

        assert two_inputs() == [2, 2]
        assert calls == [1]

    def test_flow_parameters_hit_across_runs_with_the_same_parameters(self, store: Store) -> None:
        double, calls = _counting(cache_policy=FLOW_PARAMETERS)

        @flow
        def report(day: str) -> int:
            return int(double(len(calls)))

        assert [report("mon"), report("mon"), report("tue")] == [0, 0, 2]
        assert calls == [0, 1]

    def test_default_is_task_source_run_id_and_inputs(self) -> None:
        assert isinstance(DEFAULT, CompoundCachePolicy)
        assert DEFAULT.policies == [TASK_SOURCE, RUN_ID, INPUTS]
        assert INPUTS + TASK_SOURCE == CompoundCachePolicy([INPUTS, TASK_SOURCE])


class TestNoCacheAndPersistResult:
    def test_no_cache_never_hits(self, store: Store) -> None:
        double, calls = _counting(cache_policy=NO_CACHE)
        assert _states(double, (1,), (1,)) == ["Completed", "Completed"]
        assert calls == [1, 1]

    def test_none_is_no_cache_even_with_results_persisted(self, store: Store) -> None:
        # Prefect's docs pass NONE for a task whose inputs (a lock, a connection) cannot be hashed.
        lock = threading.Lock()
        double, calls = _counting(cache_policy=NONE, persist_result=True)
        assert _states(double, (1, lock), (1, lock)) == ["Completed", "Completed"]
        assert calls == [1, 1]
        assert NONE == NO_CACHE and NONE + INPUTS == INPUTS

    def test_no_cache_adds_nothing_to_a_sum(self, store: Store) -> None:
        double, calls = _counting(cache_policy=NO_CACHE + INPUTS)
        assert _states(double, (1,), (1,)) == ["Completed", "Cached"]
        assert calls == [1]

    def test_persist_result_false_ignores_the_policy(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="cauce.tasks"):
            double, calls = _counting(cache_policy=INPUTS, persist_result=False)
        assert "Ignoring `cache_policy` because `persist_result` is False" in caplog.text
        assert _states(double, (1,), (1,)) == ["Completed", "Completed"]
        assert calls == [1, 1]

    def test_persist_result_true_caches_with_default(self, store: Store) -> None:
        double, calls = _counting(persist_result=True)
        assert double.cache_policy == DEFAULT

        @flow
        def twice() -> list[str]:
            return [double(2, return_state=True).name for _ in range(2)]

        assert twice() == ["Completed", "Cached"]
        assert calls == [2]

    def test_a_flow_persisting_results_makes_its_tasks_cache(
        self, store: Store, tmp_path: Path
    ) -> None:
        double, calls = _counting()
        opted_out, opted_out_calls = _counting(persist_result=False)

        @flow(persist_result=True, result_storage=tmp_path / "flow-results")
        def twice() -> list[str]:
            both = [double, opted_out, double, opted_out]
            return [t(2, return_state=True).name for t in both]

        assert twice() == ["Completed", "Completed", "Cached", "Completed"]
        assert (calls, opted_out_calls) == ([2], [2, 2])
        assert len(list((tmp_path / "flow-results").iterdir())) == 1

    def test_without_options_nothing_is_cached(self, store: Store, cauce_home: Path) -> None:
        double, calls = _counting()
        assert double.cache_policy == DEFAULT  # shown as in Prefect, used once persisted
        assert _states(double, (1,), (1,)) == ["Completed", "Completed"]
        assert calls == [1, 1]
        assert not (cauce_home / "results").exists()


class TestStorage:
    def test_key_storage_holds_the_cache_entries(
        self, store: Store, cauce_home: Path, tmp_path: Path
    ) -> None:
        keys = tmp_path / "keys"
        double, calls = _counting(cache_policy=INPUTS.configure(key_storage=str(keys)))
        assert _states(double, (6,), (6,), (7,)) == ["Completed", "Cached", "Completed"]
        assert calls == [6, 7]
        assert len(list(keys.iterdir())) == 2
        assert not (cauce_home / "results").exists()

    @pytest.mark.parametrize("kind", ["str", "path", "local-file-system"])
    def test_result_storage_holds_the_cached_results(
        self, store: Store, cauce_home: Path, tmp_path: Path, kind: str
    ) -> None:
        folder = tmp_path / "results-here"
        storage = {"str": str(folder), "path": folder, "local-file-system": None}[kind]
        storage = storage or LocalFileSystem(basepath=str(folder))
        double, calls = _counting(cache_policy=INPUTS, result_storage=storage)
        assert _states(double, (1,), (1,)) == ["Completed", "Cached"]
        assert calls == [1]
        assert len(list(folder.iterdir())) == 1
        assert not (cauce_home / "results").exists()

    def test_refresh_cache_recomputes_and_replaces_the_result(self, store: Store) -> None:
        results = iter([10, 20])

        @task(cache_policy=INPUTS - "unused", name="counter")
        def counter(unused: int = 0) -> int:
            return next(results)

        refreshing = counter.with_options(refresh_cache=True)
        assert [_run(counter)[0].result(), _run(counter)[0].result()] == [10, 10]
        refreshed, _ = _run(refreshing)
        assert [refreshed.name, refreshed.result()] == ["Completed", 20]
        assert [_run(counter)[0].name, _run(counter)[0].result()] == ["Cached", 20]


class TestKeyFunctions:
    def test_task_input_hash_with_an_expiration(self, store: Store) -> None:
        double, calls = _counting(
            cache_key_fn=task_input_hash, cache_expiration=timedelta(minutes=5)
        )
        assert _states(double, (1,), (1,), (2,)) == ["Completed", "Cached", "Completed"]
        assert calls == [1, 2]

    def test_task_input_hash_differs_between_tasks(self, store: Store) -> None:
        double, calls = _counting(cache_key_fn=task_input_hash)
        other, other_calls = _counting(cache_key_fn=task_input_hash, name="other")
        assert _states(double, (1,)) + _states(other, (1,)) == ["Completed", "Completed"]
        assert (calls, other_calls) == ([1], [1])

    def test_cache_key_fn_wins_over_cache_policy(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="cauce.tasks"):
            double, calls = _counting(cache_policy=NO_CACHE, cache_key_fn=lambda c, p: "one-key")
        assert "`cache_key_fn` will be used" in caplog.text
        assert _states(double, (1,), (2,)) == ["Completed", "Cached"]
        assert calls == [1]

    def test_with_options_sets_a_policy(self, store: Store) -> None:
        double, calls = _counting()
        cached = double.with_options(cache_policy=INPUTS)
        assert _states(cached, (1,), (1,)) == ["Completed", "Cached"]
        assert _states(cached.with_options(name="renamed"), (1,)) == ["Cached"]
        assert calls == [1]


class TestAsyncAndMapped:
    def test_an_async_task_hits_on_the_second_flow_run(self, store: Store) -> None:
        calls: list[int] = []

        @task(cache_policy=INPUTS)
        async def triple(x: int) -> int:
            calls.append(x)
            return 3 * x

        @flow
        async def runs_triple() -> tuple[str, int]:
            state: State = await triple(2, return_state=True)
            return state.name, state.result()

        first, second = asyncio.run(runs_triple()), asyncio.run(runs_triple())
        assert [first, second] == [("Completed", 6), ("Cached", 6)]
        assert calls == [2]

    def test_mapped_runs_hit_per_item(self, store: Store) -> None:
        double, calls = _counting(cache_policy=INPUTS)

        @flow
        def mapped(items: list[int]) -> list[str]:
            return [state.name for state in double.map(items, return_state=True)]

        assert mapped([1, 2]) == ["Completed", "Completed"]
        assert mapped([2, 3]) == ["Cached", "Completed"]
        assert sorted(calls) == [1, 2, 3]
