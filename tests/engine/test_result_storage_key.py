"""`result_storage_key`: a task's result kept under a templated file name, as Prefect's
`@task(persist_result=True, result_storage_key="latest-summary-{parameters[label]}")`."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from cauce import flow, task
from cauce.states import State
from tests.conftest import Store


def _summaries(**options: Any):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    @task(**options)
    def build_summary(total: int, label: str) -> str:
        calls.append(label)
        return f"[{label}] Total: {total}"

    return build_summary, calls


def _run(a_task, *args: Any) -> State:  # type: ignore[no-untyped-def]
    @flow
    def report() -> list[State]:
        return [a_task(*args, return_state=True)]  # in a list: a flow returns a state's value

    return report()[0]


def _stored_value(path: Path) -> Any:
    expires_at, value = pickle.loads(path.read_bytes())
    assert expires_at is None
    return value


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """The tasks' result storage, apart from CAUCE_HOME (also under tmp_path)."""
    return tmp_path / "results"


class TestStorageKey:
    def test_result_is_written_at_the_key_and_a_second_run_loads_it(
        self, store: Store, cauce_home: Path
    ) -> None:
        """Prefect's example 028 run twice: the second run is Cached and does not call it."""
        build_summary, calls = _summaries(
            persist_result=True, result_storage_key="latest-summary-{parameters[label]}"
        )
        first = _run(build_summary, 255, "daily-report")
        second = _run(build_summary, 255, "daily-report")
        assert repr(first) == "Completed()"
        assert repr(second) == "Cached(type=COMPLETED)"
        assert second.result() == "[daily-report] Total: 255"
        assert calls == ["daily-report"]
        stored = cauce_home / "results" / "latest-summary-daily-report"
        assert _stored_value(stored) == "[daily-report] Total: 255"

    def test_other_parameters_give_another_file(self, store: Store, results: Path) -> None:
        build_summary, calls = _summaries(
            result_storage=results, result_storage_key="summary-{parameters[label]}"
        )
        assert _run(build_summary, 1, "a").result() == "[a] Total: 1"
        assert _run(build_summary, 2, "b").result() == "[b] Total: 2"
        assert calls == ["a", "b"]
        assert sorted(p.name for p in results.iterdir()) == ["summary-a", "summary-b"]

    def test_the_key_may_use_the_runtime_and_name_a_subfolder(
        self, store: Store, results: Path
    ) -> None:
        build_summary, _ = _summaries(
            result_storage=results, result_storage_key="{task_run.task_name}/{parameters[total]}"
        )
        _run(build_summary, 7, "x")
        assert _stored_value(results / "build_summary" / "7") == "[x] Total: 7"

    def test_the_key_wins_over_cache_key_fn(self, store: Store, results: Path) -> None:
        build_summary, calls = _summaries(
            result_storage=results,
            result_storage_key="by-label-{parameters[label]}",
            cache_key_fn=lambda _context, parameters: f"by-total-{parameters['total']}",
        )
        _run(build_summary, 1, "same")
        assert repr(_run(build_summary, 2, "same")) == "Cached(type=COMPLETED)"
        assert calls == ["same"]
        assert [p.name for p in results.iterdir()] == ["by-label-same"]

    def test_persist_result_false_keeps_nothing(self, store: Store, results: Path) -> None:
        build_summary, calls = _summaries(
            persist_result=False, result_storage=results, result_storage_key="never"
        )
        _run(build_summary, 1, "a")
        assert repr(_run(build_summary, 1, "a")) == "Completed()"
        assert calls == ["a", "a"]
        assert not results.exists()

    def test_with_options_sets_and_keeps_the_key(self, store: Store, results: Path) -> None:
        plain, calls = _summaries(result_storage=results)
        keyed = plain.with_options(result_storage_key="keyed-{parameters[label]}")
        assert keyed.result_storage_key == "keyed-{parameters[label]}"
        assert keyed.with_options(retries=1).result_storage_key == keyed.result_storage_key
        _run(keyed, 1, "a")
        assert repr(_run(keyed, 1, "a")) == "Cached(type=COMPLETED)"
        assert repr(_run(plain, 1, "a")) == "Completed()"
        assert calls == ["a", "a"]
        assert [p.name for p in results.iterdir()] == ["keyed-a"]
