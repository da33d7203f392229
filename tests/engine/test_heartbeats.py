"""A script that records through a server heartbeats for its runs: frozen (or on a machine
switched off) its run ends Crashed within three periods, and a run cancelled through the
API stops, though no one on the script's machine sends it a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cauce.client.http import HttpClient
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from tests.conftest import free_port, start_server, stop_server
from tests.workers.conftest import wait_for

SLEEPS = """\
import time
from cauce import flow

@flow
def duerme():
    time.sleep(60)

if __name__ == "__main__":
    duerme()
"""

BEAT = {"CAUCE_WORKER_HEARTBEAT": "1s"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = start_server(tmp_path / "server-home", port, tmp_path / "server.log", **BEAT)
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop_server(process)


@pytest.fixture
def script(tmp_path: Path, server: str) -> Iterator[subprocess.Popen[bytes]]:
    """The script, running its flow against the server; killed with its group at the end."""
    (tmp_path / "duerme.py").write_text(SLEEPS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env.update({"CAUCE_HOME": str(tmp_path / "script-home"), "CAUCE_API_URL": server, **BEAT})
    process = subprocess.Popen(
        [sys.executable, "duerme.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)


def _beating_run(client: HttpClient) -> FlowRun:
    def beating() -> FlowRun | None:
        runs = client.read_flow_runs(FlowRunFilter(limit=1))
        return runs[0] if runs and runs[0].heartbeat is not None else None

    return wait_for(beating, seconds=30)


def _state_name(client: HttpClient, flow_run_id: uuid.UUID) -> str:
    return client.read_flow_run(flow_run_id).state.name


def test_a_frozen_scripts_run_ends_crashed_after_three_silent_periods(
    server: str, script: subprocess.Popen[bytes]
) -> None:
    client = HttpClient(server)
    try:
        flow_run = _beating_run(client)
        first = flow_run.heartbeat
        wait_for(lambda: client.read_flow_run(flow_run.id).heartbeat != first, seconds=10)
        assert _state_name(client, flow_run.id) == "Running"

        os.kill(script.pid, signal.SIGSTOP)  # alive to the server's machine, but silent

        wait_for(lambda: _state_name(client, flow_run.id) == "Crashed", seconds=15)
        crashed = client.read_flow_run(flow_run.id).state
        assert crashed.message == "Its process has not been heard from for 3 s."
    finally:
        client.close()


def test_a_run_cancelled_through_the_api_stops_its_script(
    server: str, script: subprocess.Popen[bytes]
) -> None:
    client = HttpClient(server)
    try:
        flow_run = _beating_run(client)
        client.cancel_flow_run(flow_run.id, "Cancelled from the UI.")

        assert script.wait(15) != 0
        ended = client.read_flow_run(flow_run.id).state
        assert (ended.name, ended.message) == ("Cancelled", "Cancelled from the UI.")
    finally:
        client.close()


RETRIES_AFTER_A_PAUSE = """\
from pathlib import Path
from cauce import flow

@flow(retries=1, retry_delay_seconds=3)
def reintenta():
    marca = Path("primer-intento")
    if not marca.exists():
        marca.touch()
        raise RuntimeError("la primera vez falla")
    return "ok"

if __name__ == "__main__":
    reintenta()
"""


def test_a_run_waiting_between_retries_is_not_stopped_by_its_heartbeat(
    tmp_path: Path, server: str
) -> None:
    from tests.conftest import run_script

    script = tmp_path / "reintenta.py"
    script.write_text(RETRIES_AFTER_A_PAUSE)
    env = {"CAUCE_HOME": str(tmp_path / "script-home"), "CAUCE_API_URL": server, **BEAT}
    done = run_script(script, env)
    assert done.returncode == 0, done.stderr
    client = HttpClient(server)
    try:
        [flow_run] = client.read_flow_runs(FlowRunFilter(limit=5))
        assert (flow_run.state.name, flow_run.run_count) == ("Completed", 2)
    finally:
        client.close()
