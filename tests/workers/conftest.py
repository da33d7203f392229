"""Workers as a user starts them: `cauce worker start` in a process group of its own,
recording into the test's store, always killed with its runs' processes afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from cauce.client.base import CauceClient, NotFound
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from tests.conftest import Store
from tests.engine.scripts import script_environment, write_script

T = TypeVar("T")

FLOWS = """\
import os
import time

from cauce import flow, get_run_logger, task


@task
def doble(n: int) -> int:
    return n * 2


@flow
def trabajo(n: int = 1, dormir: float = 0.0) -> int:
    get_run_logger().info("process %d starts run %d", os.getpid(), n)
    print(f"printed by run {n}")
    time.sleep(dormir)
    return doble(n)
"""

POOL = "compras-prod"

SLOW = "it takes many seconds a store, and the stores left out share their path with these"
"""The reason of a `store_kinds` mark on the workers' slowest tests."""


def wait_for(what: Callable[[], T | None], seconds: float = 30, every: float = 0.05) -> T:
    """The first truthy value of `what()`, polled until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        found = what()
        if found:
            return found
        assert time.monotonic() < deadline, f"still waiting after {seconds} s"
        time.sleep(every)


class WorkerProcess:
    """One `cauce worker start ...`, its output in a file."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = folder / f"worker-{uuid.uuid4().hex[:6]}.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cauce.cli.main", "worker", "start", *args],
                env={**script_environment(), **(env or {})},
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, seconds: float = 30) -> None:
        wait_for(lambda: text in self.output or self._gone(), seconds)
        assert text in self.output, self.output

    def _gone(self) -> bool:
        return self.process.poll() is not None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a service manager stops it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill_group(self) -> None:
        """Kill the worker and every process of its group (its runs started their own)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start workers in `tmp_path`; each is killed, with its runs' processes, at the end."""
    started: list[WorkerProcess] = []
    run_pids: list[int] = []

    def start(*args: str, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, *args, env=env)
        started.append(worker)
        return worker

    start.run_pids = run_pids  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        for worker in started:
            worker.kill_group()
        for pid in run_pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def deploy_trabajo(client: CauceClient, folder: Path) -> Deployment:
    """The deployment `trabajo/prod` of FLOWS written to `folder`, in a new pool POOL."""
    (folder / "flujos.py").write_text(FLOWS)
    client.create_work_pool(WorkPool(POOL))
    return client.apply_deployment(
        Deployment(
            flow_name="trabajo",
            name="prod",
            entrypoint="flujos.py:trabajo",
            work_pool_name=POOL,
            source=str(folder),
        )
    )


@pytest.fixture
def deployment(store: Store, tmp_path: Path) -> Deployment:
    """The deployment `trabajo/prod` of `flujos.py` in `tmp_path`, in the pool compras-prod."""
    return deploy_trabajo(store.client, tmp_path)


def until_final(store: Store, flow_run_id: uuid.UUID, seconds: float = 60) -> FlowRun:
    """The run once it has ended."""

    def ended() -> FlowRun | None:
        flow_run = store.client.read_flow_run(flow_run_id)
        return flow_run if flow_run.state.is_final() else None

    return wait_for(ended, seconds)


def until_running(store: Store, flow_run_id: uuid.UUID, seconds: float = 60) -> FlowRun:
    """The run once it is Running with its process recorded."""

    def running() -> FlowRun | None:
        flow_run = store.client.read_flow_run(flow_run_id)
        assert not flow_run.state.is_final(), flow_run.state
        return flow_run if flow_run.state.name == "Running" and flow_run.pid else None

    return wait_for(running, seconds)


@contextmanager
def served_script(
    store: Store, folder: Path, source: str, deployments: tuple[str, ...]
) -> Iterator[subprocess.Popen[str]]:
    """`source` serving, started as `python flujos.py` once its `deployments` (full
    names) are recorded; stopped with Ctrl-C at the end, killed if it overstays."""
    script = write_script(folder, source, "flujos.py")
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=folder,
        env=script_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        for name in deployments:
            deadline = time.monotonic() + 60
            while not _is_recorded(store, name):
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, f"{name} was not recorded"
                time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()


def _is_recorded(store: Store, full_name: str) -> bool:
    try:
        store.client.read_deployment_by_name(full_name)
    except NotFound:
        return False
    return True
