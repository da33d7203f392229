"""`cauce.concurrency.sync` and `cauce.concurrency.asyncio` as Prefect 3 code uses them,
on every store (SQLite, PostgreSQL, and a server over HTTP on either)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest

from cauce.concurrency import asyncio as async_concurrency
from cauce.concurrency.sync import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    concurrency,
    rate_limit,
)
from cauce.schemas.concurrency_limits import StoredConcurrencyLimit
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import flow_runs_of


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most spans (start, end) that overlap at one instant."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def test_a_limit_of_two_lets_two_of_four_threads_in_at_once(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("database", limit=2))
    spans: list[tuple[float, float]] = []

    def hold() -> None:
        with concurrency("database", occupy=1):
            start = time.monotonic()
            time.sleep(0.5)
            spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(spans) == 4
    assert most_at_once(spans) == 2
    assert store.client.read_concurrency_limit("database").active_slots == 0


def test_slots_held_show_on_the_limit_and_are_given_back_on_exit(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=5))
    with concurrency(["api"], occupy=3):
        assert store.client.read_concurrency_limit("api").active_slots == 3
    assert store.client.read_concurrency_limit("api").active_slots == 0


def test_slots_are_given_back_when_the_block_raises(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=1))
    with pytest.raises(ZeroDivisionError):
        with concurrency("api"):
            1 / 0  # noqa: B018
    with concurrency("api", timeout_seconds=1):
        assert store.client.read_concurrency_limit("api").active_slots == 1


def test_waiting_past_the_timeout_is_a_timeout_error_naming_the_limit(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=1))
    with concurrency("api"):
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="'api'") as raised:
            with concurrency("api", timeout_seconds=0.5):
                pytest.fail("the slot was taken twice")
        assert 0.4 < time.monotonic() - started < 5
    assert isinstance(raised.value, AcquireConcurrencySlotTimeoutError)
    assert store.client.read_concurrency_limit("api").active_slots == 0


def test_several_names_are_taken_all_or_none(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("a", limit=1))
    store.client.create_concurrency_limit(StoredConcurrencyLimit("b", limit=1))
    with concurrency("b"):
        with pytest.raises(TimeoutError):
            with concurrency(["a", "b"], timeout_seconds=0.3):
                pass
        assert store.client.read_concurrency_limit("a").active_slots == 0
    with concurrency(["a", "b"]):
        assert [store.client.read_concurrency_limit(n).active_slots for n in "ab"] == [1, 1]


def test_a_missing_limit_holds_nobody_back_with_a_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cauce.concurrency"):
        with concurrency("no-such-limit"):
            ran = True
    assert ran
    assert "['no-such-limit'] do not exist" in caplog.text
    assert store.client.read_concurrency_limits() == []


def test_a_missing_limit_with_strict_is_a_clear_error(store: Store) -> None:
    with pytest.raises(ConcurrencySlotAcquisitionError, match="'no-such-limit'.*must be created"):
        with concurrency("no-such-limit", strict=True):
            pytest.fail("ran without the limit")


def test_an_inactive_limit_holds_nobody_back(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("off", limit=1, active=False))
    with concurrency("off"), concurrency("off", timeout_seconds=0.5):
        pass


def test_more_slots_than_the_limit_has_is_an_error(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=1))
    with pytest.raises(ConcurrencySlotAcquisitionError, match="2 slots requested.*'api'"):
        with concurrency("api", occupy=2):
            pass


def test_rate_limit_slots_free_themselves_at_the_decay(store: Store) -> None:
    store.client.create_concurrency_limit(
        StoredConcurrencyLimit("calls", limit=2, slot_decay_per_second=4.0)
    )
    started = time.monotonic()
    for _ in range(4):
        rate_limit("calls")
    # Two at once, then one more every quarter second.
    assert 0.35 < time.monotonic() - started < 5
    with pytest.raises(TimeoutError):
        rate_limit("calls", occupy=2, timeout_seconds=0.05)


def test_rate_limit_needs_a_limit_with_decay(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=1))
    with pytest.raises(ConcurrencySlotAcquisitionError, match="no slot decay"):
        rate_limit("api")


def test_async_concurrency_waits_without_blocking_the_loop(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("database", limit=2))
    spans: list[tuple[float, float]] = []

    async def hold() -> None:
        async with async_concurrency.concurrency("database"):
            start = time.monotonic()
            await asyncio.sleep(0.5)
            spans.append((start, time.monotonic()))

    async def main() -> None:
        await asyncio.gather(*(hold() for _ in range(4)))

    asyncio.run(main())
    assert len(spans) == 4 and most_at_once(spans) == 2
    assert store.client.read_concurrency_limit("database").active_slots == 0


def test_async_timeout_and_rate_limit(store: Store) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("api", limit=1))

    async def main() -> None:
        async with async_concurrency.concurrency("api"):
            with pytest.raises(TimeoutError, match="'api'"):
                async with async_concurrency.concurrency("api", timeout_seconds=0.3):
                    pass
        with pytest.raises(ConcurrencySlotAcquisitionError):
            await async_concurrency.rate_limit("api")

    asyncio.run(main())


MISSING_LIMIT_IN_A_TASK = """
    from cauce import flow, task
    from cauce.concurrency.sync import concurrency

    @task
    def limited() -> None:
        with concurrency("no-such-limit"):
            pass

    @flow
    def uses_a_missing_limit() -> None:
        limited()

    if __name__ == "__main__":
        uses_a_missing_limit()
"""


def test_a_missing_limit_in_a_task_is_logged_by_the_task_run(store: Store, tmp_path: Path) -> None:
    """As Prefect shows it: under the task run's name, and in the task run's logs."""
    result = scripts.run(tmp_path, MISSING_LIMIT_IN_A_TASK)
    assert result.returncode == 0, result.stderr
    warning = "Concurrency limits ['no-such-limit'] do not exist - skipping acquisition."
    assert ("WARNING", "Task run 'limited-0'", warning) in scripts.terminal_lines(result.stderr)
    [run] = flow_runs_of(store, "uses-a-missing-limit")
    [task_run] = store.client.read_task_runs(run.id)
    stored = [
        (e.name, e.task_run_id) for _, e in store.client.read_logs(run.id) if e.message == warning
    ]
    assert stored == [("cauce.task_runs", task_run.id)]
