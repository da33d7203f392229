"""The server's own services on a real `cauce server start` with short periods: the
watchdog cancels a run Running past its limit (and its worker stops the process), and
the crash service ends the run of a worker that fell silent."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cauce.client.base import CauceClient
from cauce.client.factory import get_client, reset_client
from cauce.processes import process_is_alive
from cauce.settings import reset_settings
from tests.conftest import free_port, start_server, stop_server
from tests.workers.conftest import POOL, WorkerProcess, deploy_trabajo, wait_for

QUIET = {"CAUCE_WORKER_HEARTBEAT": "1s", "CAUCE_SERVER_SCHEDULER_INTERVAL": "1000h"}
WATCHDOG = {**QUIET, "CAUCE_WATCHDOG_INTERVAL": "1s", "CAUCE_WATCHDOG_RUNNING_AFTER": "3s"}
NO_WATCHDOG = {**QUIET, "CAUCE_WATCHDOG_ENABLED": "false"}


@pytest.fixture
def server_client(
    request: pytest.FixtureRequest,
    cauce_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[CauceClient]:
    """A client of a server started with the settings of the test's parameter; the
    worker's heartbeat is 1 s too."""
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(tmp_path / "server-home", port, log, **request.param)
    try:
        monkeypatch.setenv("CAUCE_API_URL", f"http://127.0.0.1:{port}/api")
        monkeypatch.setenv("CAUCE_WORKER_HEARTBEAT", "1s")
        reset_settings()
        reset_client()
        yield get_client()
    finally:
        reset_client()
        stop_server(process)


@pytest.fixture
def sleeping_run(server_client: CauceClient, tmp_path: Path) -> Iterator[tuple[WorkerProcess, int]]:
    """A worker running a run that sleeps 60 s: the worker, and the run's process id."""
    deployment = deploy_trabajo(server_client, tmp_path)
    worker = WorkerProcess(tmp_path, "--pool", POOL, "--name", "w1")
    flow_run = server_client.create_flow_run_from_deployment(deployment.id, {"dormir": 60})
    pid = 0
    try:

        def running_pid() -> int | None:
            current = server_client.read_flow_run(flow_run.id)
            return current.pid if current.state.name == "Running" else None

        pid = wait_for(running_pid, seconds=60)
        yield worker, pid
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)
        worker.kill_group()
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _only_run_state(client: CauceClient) -> tuple[str, str]:
    from cauce.schemas.flow_runs import FlowRunFilter

    [flow_run] = client.read_flow_runs(FlowRunFilter(flow_name="trabajo"))
    return flow_run.state.name, flow_run.state.message or ""


@pytest.mark.timeout(150)
@pytest.mark.parametrize("server_client", [WATCHDOG], indirect=True, ids=["watchdog"])
def test_the_watchdog_service_cancels_a_run_past_its_limit_and_the_process_stops(
    server_client: CauceClient, sleeping_run: tuple[WorkerProcess, int]
) -> None:
    worker, pid = sleeping_run

    name, message = wait_for(
        lambda: (s := _only_run_state(server_client))[0] in ("Cancelled", "Crashed") and s,
        seconds=20,
    )

    assert name == "Cancelled", message
    assert "Cancelled by the watchdog: Running for" in message
    assert "CAUCE_WATCHDOG_RUNNING_AFTER" in message
    wait_for(lambda: not process_is_alive(pid), seconds=10)
    # Stopped by its worker, or by itself at its own heartbeat; reaped by the worker.
    wait_for(lambda: "it was cancelled" in worker.output or "exited" in worker.output, 10)


@pytest.mark.timeout(150)
@pytest.mark.parametrize("server_client", [NO_WATCHDOG], indirect=True, ids=["no-watchdog"])
def test_the_crash_service_ends_the_run_of_a_worker_that_fell_silent(
    server_client: CauceClient, sleeping_run: tuple[WorkerProcess, int]
) -> None:
    worker, pid = sleeping_run
    os.kill(worker.process.pid, signal.SIGSTOP)  # a frozen machine: no heartbeat, no exit

    name, message = wait_for(
        lambda: (s := _only_run_state(server_client))[0] != "Running" and s, seconds=20
    )

    assert name == "Crashed", message
    assert message == "Worker 'w1' has not been heard from for 3 s."
    [w1] = server_client.read_workers(POOL)
    assert w1.runs_in_progress == 0
    # Back from its freeze, the worker learns the run ended and stops its process.
    os.kill(worker.process.pid, signal.SIGCONT)
    wait_for(lambda: not process_is_alive(pid), seconds=15)


@pytest.mark.timeout(180)
def test_a_worker_carries_on_when_its_server_comes_back_and_runs_nothing_twice(
    cauce_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    home, log = tmp_path / "server-home", tmp_path / "server.log"
    server = start_server(home, port, log, **NO_WATCHDOG)
    monkeypatch.setenv("CAUCE_API_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setenv("CAUCE_WORKER_HEARTBEAT", "1s")
    reset_settings()
    reset_client()
    client = get_client()
    deployment = deploy_trabajo(client, tmp_path)
    worker = WorkerProcess(tmp_path, "--pool", POOL, "--name", "w1")
    try:
        first = client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 4})
        wait_for(lambda: client.read_flow_run(first.id).state.name == "Running", seconds=60)
        stop_server(server)  # for longer than three of the worker's heartbeats
        time.sleep(4)
        server = start_server(home, port, log, **NO_WATCHDOG)

        second = client.create_flow_run_from_deployment(deployment.id, {"n": 2})
        for flow_run in (first, second):
            wait_for(lambda r=flow_run: client.read_flow_run(r.id).state.is_final(), seconds=60)
            assert client.read_flow_run(flow_run.id).state.name == "Completed"
            starts = [m for _, m in _messages(client, flow_run.id) if " starts run " in m]
            assert len(starts) == 1, starts
    finally:
        worker.kill_group()
        reset_client()
        stop_server(server)


def _messages(client: CauceClient, flow_run_id):  # type: ignore[no-untyped-def]
    return [(line.level, line.message) for _, line in client.read_logs(flow_run_id)]
