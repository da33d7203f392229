"""Result caching: `cache_key_fn` names a result, later runs with that key reuse it."""

from __future__ import annotations

import pickle
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cauce import flow, runtime, task
from cauce.engine.cache import CacheHit, ResultCache
from cauce.states import State
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import flow_runs_of, names, recorded


def _key_by_x(_context: Any, parameters: dict[str, Any]) -> str:
    return f"square-{parameters['x']}"


def _counting_square(**options: Any):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    @task(cache_key_fn=_key_by_x, **options)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    return square, calls


def _run(a_task, *args: Any) -> tuple[State, uuid.UUID]:  # type: ignore[no-untyped-def]
    @flow
    def runs_task() -> tuple[State, uuid.UUID | None]:
        return a_task(*args, return_state=True), runtime.flow_run.id

    state, flow_run_id = runs_task()
    assert flow_run_id is not None
    return state, flow_run_id


class TestCacheHits:
    def test_second_run_with_the_same_key_is_cached_and_not_called(self, store: Store) -> None:
        square, calls = _counting_square()
        first, _ = _run(square, 3)
        second, flow_run_id = _run(square, 3)
        assert repr(first) == "Completed()"
        assert repr(second) == "Cached(type=COMPLETED)"
        assert second.is_completed()
        assert second.result() == 9
        assert calls == [3]
        [task_run] = recorded(store, flow_run_id).task_runs
        assert task_run.state.name == "Cached"
        assert task_run.cache_key == "square-3"
        assert names(store.client.read_task_run_states(task_run.id)) == ["Pending", "Cached"]
        assert task_run.run_count == 0

    def test_cached_value_is_returned_by_a_plain_call(self, store: Store) -> None:
        square, calls = _counting_square()

        @flow
        def twice() -> list[int]:
            return [square(4), square(4)]

        assert twice() == [16, 16]
        assert calls == [4]

    def test_different_keys_do_not_share_results(self, store: Store) -> None:
        square, calls = _counting_square()
        _run(square, 2)
        state, _ = _run(square, 5)
        assert state.name == "Completed" and state.result() == 25
        assert calls == [2, 5]

    def test_no_key_function_means_no_caching(self, store: Store) -> None:
        calls: list[int] = []

        @task
        def plain(x: int) -> int:
            calls.append(x)
            return x

        _run(plain, 1)
        _run(plain, 1)
        assert calls == [1, 1]

    def test_a_key_function_returning_none_skips_the_cache(self, store: Store) -> None:
        calls: list[int] = []

        @task(cache_key_fn=lambda _context, _parameters: None)
        def uncached(x: int) -> int:
            calls.append(x)
            return x

        _run(uncached, 1)
        _run(uncached, 1)
        assert calls == [1, 1]

    def test_failed_runs_are_not_cached(self, store: Store) -> None:
        calls: list[int] = []

        @task(cache_key_fn=_key_by_x)
        def fails_once(x: int) -> int:
            calls.append(x)
            if len(calls) == 1:
                raise ValueError("first time")
            return x

        first, _ = _run(fails_once, 1)
        second, _ = _run(fails_once, 1)
        assert first.is_failed() and second.name == "Completed"
        assert calls == [1, 1]


class TestUncacheableResults:
    def test_result_that_cannot_be_stored_still_completes_with_a_warning(
        self, store: Store
    ) -> None:
        @task(cache_key_fn=lambda _context, _parameters: "a-lock")
        def makes_a_lock() -> object:
            return threading.Lock()

        state, flow_run_id = _run(makes_a_lock)
        assert state.name == "Completed"
        messages = recorded(store, flow_run_id).messages
        assert any(m.startswith("Could not cache the result of this run") for m in messages)
        assert _run(makes_a_lock)[0].name == "Completed"


class TestCacheExpiration:
    def test_expired_result_makes_the_task_run_again(self, store: Store) -> None:
        # Long enough that a loaded machine runs the second flow within it.
        square, calls = _counting_square(cache_expiration=timedelta(seconds=3))
        _run(square, 3)
        expires = time.monotonic() + 3
        cached, _ = _run(square, 3)
        time.sleep(max(0.0, expires - time.monotonic()) + 0.05)
        again, _ = _run(square, 3)
        assert [cached.name, again.name] == ["Cached", "Completed"]
        assert calls == [3, 3]

    def test_result_without_expiration_is_kept(self, store: Store) -> None:
        square, calls = _counting_square()
        _run(square, 3)
        time.sleep(0.1)
        assert _run(square, 3)[0].name == "Cached"


class TestCacheAcrossProcesses:
    SCRIPT = """
        from cauce import flow, task

        @task(cache_key_fn=lambda context, parameters: f"report-{parameters['day']}")
        def build_report(day: str) -> str:
            print("computing", day)
            return f"report for {day}"

        @flow
        def daily(day: str) -> str:
            return build_report(day)

        if __name__ == "__main__":
            print(daily("2024-05-01"))
    """

    def test_result_cached_by_one_script_is_used_by_the_next(
        self, store: Store, cauce_home: Path, tmp_path: Path
    ) -> None:
        first = scripts.run(tmp_path, self.SCRIPT)
        second = scripts.run(tmp_path, self.SCRIPT)
        assert first.returncode == 0, first.stderr
        assert second.returncode == 0, second.stderr
        assert first.stdout.splitlines() == ["computing 2024-05-01", "report for 2024-05-01"]
        assert second.stdout.splitlines() == ["report for 2024-05-01"]
        assert "Finished in state Cached(type=COMPLETED)" in second.stderr
        assert list((cauce_home / "results").iterdir())
        runs = flow_runs_of(store, "daily")
        assert len(runs) == 2
        states = [recorded(store, run.id).task_runs[0].state.name for run in runs]
        assert states == ["Completed", "Cached"]


class TestResultCacheFiles:
    """The cache's files, as the module documents them: one pickle of
    (expires_at or None, value) per key, written whole or not at all."""

    def test_an_entry_is_readable_until_the_instant_it_expires(self, tmp_path: Path) -> None:
        cache = ResultCache(tmp_path / "results")
        before = datetime.now(UTC)
        cache.write("k", "value", timedelta(minutes=5))
        after = datetime.now(UTC)
        assert cache.read("k") == CacheHit("value")
        [entry] = (tmp_path / "results").iterdir()
        expires_at, value = pickle.loads(entry.read_bytes())
        assert value == "value"
        assert before + timedelta(minutes=5) <= expires_at <= after + timedelta(minutes=5)
        assert cache.read("k", now=expires_at - timedelta(microseconds=1)) == CacheHit("value")
        assert cache.read("k", now=expires_at) is None

    def test_an_entry_without_expiration_never_expires(self, tmp_path: Path) -> None:
        cache = ResultCache(tmp_path / "results")
        cache.write("k", 7, None)
        [entry] = (tmp_path / "results").iterdir()
        assert pickle.loads(entry.read_bytes()) == (None, 7)
        assert cache.read("k", now=datetime.max.replace(tzinfo=UTC)) == CacheHit(7)

    def test_the_folder_is_made_with_its_parents_and_may_exist_already(
        self, tmp_path: Path
    ) -> None:
        cache = ResultCache(tmp_path / "home" / "results")
        cache.write("a", 1, None)
        cache.write("b", 2, None)
        assert [cache.read("a"), cache.read("b")] == [CacheHit(1), CacheHit(2)]

    def test_a_write_needs_no_system_temporary_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The partial file lives beside the entry, so the rename is atomic on any disk.
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
        cache = ResultCache(tmp_path / "results")
        cache.write("k", "v", None)
        assert cache.read("k") == CacheHit("v")

    def test_a_failed_write_raises_and_leaves_no_partial_file(self, tmp_path: Path) -> None:
        cache = ResultCache(tmp_path / "results")
        cache.write("k", "first", None)
        [entry] = (tmp_path / "results").iterdir()
        entry.unlink()
        (entry / "in-the-way").mkdir(parents=True)  # the entry's name is taken by a folder
        with pytest.raises(OSError):
            cache.write("k", "second", None)
        assert [p.name for p in (tmp_path / "results").iterdir()] == [entry.name]

    def test_an_unreadable_entry_is_a_miss(self, tmp_path: Path) -> None:
        cache = ResultCache(tmp_path / "results")
        cache.write("k", "v", None)
        [entry] = (tmp_path / "results").iterdir()
        entry.write_bytes(b"not a pickle")
        assert cache.read("k") is None
