"""End to end: `cauce server start` as a real process shows a run recorded embedded, then stops.

A flow script records a run in a fresh CAUCE_HOME with no server; the server
started afterwards on that home serves the run over HTTP, and SIGTERM stops
it cleanly with exit status 0.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

from tests.conftest import free_port, run_script

SCRIPT = """
from cauce import flow, runtime


@flow
def mi_flujo():
    print(f"flow_run_id={runtime.flow_run.id}")


mi_flujo()
"""


def _wait_for_health(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before answering"
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {base}/api/health within {seconds} s")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_server_serves_a_run_recorded_without_it_and_stops_on_sigterm(cauce_home, tmp_path):
    env = {"CAUCE_HOME": str(cauce_home)}
    script = tmp_path / "flujo.py"
    script.write_text(textwrap.dedent(SCRIPT))
    recorded = run_script(script, env)
    assert recorded.returncode == 0, recorded.stderr
    run_id = recorded.stdout.split("flow_run_id=")[1].split()[0]

    port = free_port()
    output = tmp_path / "server.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
            env={**{k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_health(base, process, seconds=20)
            run = httpx.get(f"{base}/api/flow_runs/{run_id}", timeout=5).json()
            assert (run["flow_name"], run["state"]["type"]) == ("mi-flujo", "COMPLETED")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    printed = output.read_text()
    assert f"API docs: {base}/docs" in printed
    assert f"UI:       {base}/" in printed


def test_a_port_already_taken_is_one_line_and_exit_1(cauce_home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CAUCE_HOME": str(cauce_home)}
        result = subprocess.run(
            [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert "cauce server on" not in result.stdout
