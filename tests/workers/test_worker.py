"""`cauce worker start` as a user runs it (a service with no terminal): it creates a
missing pool, runs each due run exactly once in a process of its own, records what the
run printed, stops a cancelled run's process, and a killed worker leaves no run Running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cauce.processes import process_is_alive
from cauce.schemas.deployments import Deployment
from tests.conftest import Store
from tests.engine.scripts import script_environment
from tests.workers.conftest import FLOWS, POOL, SLOW, until_final, until_running, wait_for


def _cauce(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        env={**script_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _log_lines(store: Store, flow_run_id) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.message for _, line in store.client.read_logs(flow_run_id)]


@pytest.mark.embedded_only("the pool is created by the worker's own process on this store")
def test_a_worker_started_on_a_new_pool_creates_it_then_runs_its_deployments(
    store: Store, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    first = start_worker("--pool", "nueva-pool", "--run-once")
    assert first.process.wait(60) == 0, first.output
    assert "Work pool 'nueva-pool' did not exist: created it" in first.output
    assert store.client.read_work_pool("nueva-pool").type == "process"

    (tmp_path / "flujos.py").write_text(FLOWS)
    deployment = store.client.apply_deployment(
        Deployment(
            flow_name="trabajo",
            name="nueva",
            entrypoint="flujos.py:trabajo",
            work_pool_name="nueva-pool",
            source=str(tmp_path),
        )
    )
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 21})
    second = start_worker("--pool", "nueva-pool", "--run-once")
    assert second.process.wait(60) == 0, second.output

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Completed", second.output
    lines = _log_lines(store, flow_run.id)
    assert "printed by run 21" in lines  # a print() without log_prints reaches the logs
    assert f"Running flow run {flow_run.name!r}" in second.output


def test_no_create_pool_refuses_a_missing_pool_in_one_line(store: Store, start_worker):  # type: ignore[no-untyped-def]
    worker = start_worker("--pool", "no-existe", "--no-create-pool")
    assert worker.process.wait(60) == 1
    assert worker.output.strip().splitlines() == [
        "work pool 'no-existe' does not exist (create it with `cauce work-pool create "
        "no-existe`, or leave out --no-create-pool)"
    ]


@pytest.mark.timeout(180)
@pytest.mark.store_kinds(SLOW, "sqlite", "postgres", "http-postgres")
def test_two_workers_run_each_of_20_runs_exactly_once(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    workers = [start_worker("--pool", POOL, "--name", name) for name in ("w1", "w2")]
    runs = [
        store.client.create_flow_run_from_deployment(deployment.id, {"n": n}) for n in range(20)
    ]

    ended = [until_final(store, flow_run.id, seconds=120) for flow_run in runs]

    assert [r.state.name for r in ended] == ["Completed"] * 20
    for flow_run in runs:
        starts = [line for line in _log_lines(store, flow_run.id) if " starts run " in line]
        assert len(starts) == 1, starts
    claimed_by = {r.worker_id for r in ended}
    seen = {w.id for w in store.client.read_workers(POOL)}
    assert claimed_by <= seen
    for worker in workers:
        assert worker.stop() == 0, worker.output


def test_cancel_stops_a_sleeping_run_within_5_seconds(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    start_worker("--pool", POOL)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 60})
    running = until_running(store, flow_run.id)
    assert running.pid is not None and process_is_alive(running.pid)
    start_worker.run_pids.append(running.pid)

    cancelled = _cauce("flow-run", "cancel", str(flow_run.id))
    assert cancelled.returncode == 0, cancelled.stderr
    assert "is being cancelled" in cancelled.stdout

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Cancelled"
    assert ended.state.message == "Cancelled from the CLI (cauce flow-run cancel)."
    wait_for(lambda: not process_is_alive(running.pid), seconds=5)  # type: ignore[arg-type]


@pytest.mark.timeout(180)
@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_a_killed_worker_leaves_its_run_crashed_and_a_new_worker_carries_on(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    beat = {"CAUCE_WORKER_HEARTBEAT": "1s"}
    doomed = start_worker("--pool", POOL, "--name", "w1", env=beat)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 60})
    running = until_running(store, flow_run.id)
    assert running.pid is not None
    start_worker.run_pids.append(running.pid)

    os.kill(doomed.process.pid, signal.SIGKILL)
    doomed.process.wait(10)

    ended = until_final(store, flow_run.id, seconds=10)
    assert ended.state.name == "Crashed", ended.state
    wait_for(lambda: not process_is_alive(running.pid), seconds=10)  # type: ignore[arg-type]

    start_worker("--pool", POOL, "--name", "w2", env=beat)
    after = store.client.create_flow_run_from_deployment(deployment.id, {"n": 2})
    assert until_final(store, after.id).state.name == "Completed"


def test_an_entrypoint_that_fails_to_import_ends_the_run_failed(
    store: Store, deployment: Deployment, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    (tmp_path / "flujos.py").write_text("import modulo_que_no_existe\n")
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1})
    worker = start_worker("--pool", POOL, "--run-once")
    assert worker.process.wait(60) == 0, worker.output

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Failed"
    assert "modulo_que_no_existe" in (ended.state.message or "")


@pytest.mark.embedded_only("the watchdog's limits are this process's settings when embedded")
def test_the_watchdog_cancels_a_run_running_too_long_and_its_process_stops(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    start_worker("--pool", POOL)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 60})
    running = until_running(store, flow_run.id)
    assert running.pid is not None
    start_worker.run_pids.append(running.pid)
    short = {"CAUCE_WATCHDOG_RUNNING_AFTER": "1s"}
    wait_for(lambda: flow_run.name in _cauce("watchdog", "run", "--dry-run", env=short).stdout)

    dry = _cauce("watchdog", "run", "--dry-run", env=short)
    assert "Would cancel" in dry.stdout and "Nothing was changed" in dry.stdout
    assert store.client.read_flow_run(flow_run.id).state.name == "Running"

    done = _cauce("watchdog", "run", env=short)
    assert done.returncode == 0, done.stderr
    assert "Cancelled" in done.stdout and flow_run.name in done.stdout

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Cancelled"
    assert "CAUCE_WATCHDOG_RUNNING_AFTER" in (ended.state.message or "")
    wait_for(lambda: not process_is_alive(running.pid), seconds=5)  # type: ignore[arg-type]
