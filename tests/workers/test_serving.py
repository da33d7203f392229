"""flow.serve(): a script serves its flow and runs its deployment's runs, each in a process
of its own, as the user starts it (`python flows.py`) and stops it (Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cauce.deployments import run_deployment
from cauce.processes import process_is_alive
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.states import now_utc
from tests.conftest import Store
from tests.engine.records import names, recorded
from tests.engine.scripts import script_environment, write_script
from tests.workers.conftest import SLOW, served_script, until_final

SERVED = """\
import os
import sys

from cauce import flow, get_run_logger


@flow
def servida(n: int = 1):
    get_run_logger().info("run of %d in process %d", n, os.getpid())
    if n < 0:
        os._exit(3)  # dies without reporting a final state
    return n * 2


if __name__ == "__main__":
    print(f"serving from {os.getpid()}", flush=True)
    servida.serve(name="servida", poll_seconds=0.1)
"""


@pytest.fixture
def serving(store: Store, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    with served_script(store, tmp_path, SERVED, ("servida/servida",)) as process:
        yield process


class TestServe:
    def test_a_run_asked_for_is_run_once_in_a_process_of_its_own(
        self, store: Store, serving: subprocess.Popen[str]
    ) -> None:
        flow_run = run_deployment("servida/servida", parameters={"n": 21}, timeout=0)
        done = until_final(store, flow_run.id)
        assert done.state.name == "Completed"
        assert done.run_count == 1 and done.parameters == {"n": 21}
        states = recorded(store, flow_run.id)
        assert names(states.states) == ["Scheduled", "Pending", "Running", "Completed"]
        [line] = [m for m in states.messages if m.startswith("run of 21 in process ")]
        assert int(line.rsplit(" ", 1)[1]) != serving.pid
        # Only the one run of the deployment: nothing ran twice.
        assert [r.id for r in store.client.read_flow_runs(FlowRunFilter(flow_name="servida"))] == [
            flow_run.id
        ]

    def test_a_process_that_dies_leaves_its_run_crashed_with_the_exit_code(
        self, store: Store, serving: subprocess.Popen[str]
    ) -> None:
        flow_run = run_deployment("servida/servida", parameters={"n": -1}, timeout=0)
        done = until_final(store, flow_run.id)
        assert done.state.name == "Crashed"
        assert done.state.message == "Flow run process exited with code 3 before the run ended."

    def test_ctrl_c_stops_serving(self, store: Store, serving: subprocess.Popen[str]) -> None:
        serving.send_signal(signal.SIGINT)
        output, _ = serving.communicate(timeout=30)
        assert serving.returncode == 0, output
        assert "Stopped serving servida/servida" in output
        assert "Traceback" not in output


class TestTakeOver:
    def test_the_engine_runs_a_deployments_run_as_that_run(
        self, store: Store, tmp_path: Path
    ) -> None:
        store.client.create_work_pool(WorkPool(name="p"))
        script = textwrap.dedent("""
            import sys, uuid
            from cauce import flow
            from cauce.deployments import run_deployment
            from cauce.engine.flow_run import run_existing_flow_run

            @flow
            def suma(a: int, b: int = 1):
                return a + b

            suma.deploy(name="d", work_pool_name="p")
            flow_run = run_deployment("suma/d", parameters={"a": 40, "b": 2}, timeout=0)
            state = run_existing_flow_run(suma, flow_run)
            print(flow_run.id, state.result())
        """)
        result = subprocess.run(
            [sys.executable, str(write_script(tmp_path, script))],
            env=script_environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        run_id, value = result.stdout.split()
        assert value == "42"
        run = recorded(store, uuid.UUID(run_id))
        assert names(run.states) == ["Scheduled", "Pending", "Running", "Completed"]
        assert f"Running flow run '{run.flow_run.name}' of flow 'suma'" in result.stderr


SERVED_WITH_LIMIT = """\
import sys
import time

from cauce import flow


@flow
def en_orden(n: int = 0, dormir: float = 0.0):
    time.sleep(dormir)
    return n


if __name__ == "__main__":
    en_orden.serve(name="en-orden", limit=int(sys.argv[1]))
"""


class _Servers:
    """`serve` processes of the script above, each in its own process group, killed after."""

    def __init__(self, folder: Path) -> None:
        self.script = write_script(folder, SERVED_WITH_LIMIT, "orden.py")
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, limit: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, str(self.script), str(limit)],
            cwd=self.script.parent,
            env=script_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)


@pytest.fixture
def servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    started = _Servers(tmp_path)
    try:
        yield started
    finally:
        started.kill()


def _deployment_id(store: Store) -> uuid.UUID:
    deadline = time.monotonic() + 60
    while True:
        try:
            return store.client.read_deployment_by_name("en-orden/en-orden").id
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.1)


class TestOneClaimPath:
    @pytest.mark.timeout(240)
    @pytest.mark.store_kinds(SLOW, "sqlite", "postgres", "http-postgres")
    def test_two_serve_processes_run_each_of_50_due_runs_once_in_scheduled_order(
        self, store: Store, servers: _Servers
    ) -> None:
        servers.start(limit=1)
        servers.start(limit=1)
        deployment_id = _deployment_id(store)
        soon = now_utc() + timedelta(seconds=3)
        runs = [
            store.client.create_flow_run_from_deployment(
                deployment_id, {"n": n}, scheduled_time=soon + timedelta(milliseconds=n)
            )
            for n in range(50)
        ]

        ended = [until_final(store, r.id, seconds=200) for r in runs]

        assert {r.state.name for r in ended} == {"Completed"}
        assert all(r.run_count == 1 for r in ended)
        by_process: dict[uuid.UUID | None, list[FlowRun]] = {}
        for flow_run in ended:
            by_process.setdefault(flow_run.worker_id, []).append(flow_run)
        for executed in by_process.values():
            executed.sort(key=lambda r: r.start_time or now_utc())
            scheduled = [r.expected_start_time or r.created for r in executed]
            assert scheduled == sorted(scheduled)

    @pytest.mark.timeout(180)
    @pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
    def test_a_pools_limit_of_one_holds_under_serve_with_a_limit_of_5(
        self, store: Store, servers: _Servers
    ) -> None:
        store.client.create_work_pool(WorkPool("serve", concurrency_limit=1))
        servers.start(limit=5)
        deployment_id = _deployment_id(store)
        runs = [
            store.client.create_flow_run_from_deployment(deployment_id, {"n": n, "dormir": 0.3})
            for n in range(5)
        ]

        ended = [until_final(store, r.id, seconds=120) for r in runs]

        assert {r.state.name for r in ended} == {"Completed"}
        spans = sorted((r.start_time, r.end_time) for r in ended)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end is not None and start is not None and end <= start

    @pytest.mark.timeout(120)
    @pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
    def test_a_serve_killed_with_kill_9_leaves_its_run_crashed_not_running(
        self, store: Store, servers: _Servers
    ) -> None:
        serving = servers.start(limit=1)
        deployment_id = _deployment_id(store)
        flow_run = store.client.create_flow_run_from_deployment(
            deployment_id, {"n": 1, "dormir": 60}
        )
        deadline = time.monotonic() + 60
        while (running := store.client.read_flow_run(flow_run.id)).state.name != "Running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert running.pid is not None

        os.kill(serving.pid, signal.SIGKILL)

        ended = until_final(store, flow_run.id, seconds=30)
        assert ended.state.name == "Crashed", ended.state
        deadline = time.monotonic() + 10
        while process_is_alive(running.pid):
            assert time.monotonic() < deadline, "the run's process outlived its serve"
            time.sleep(0.05)
