"""DaskTaskRunner: submitted and mapped task runs execute on Dask workers (other
processes) and are recorded in the store, states and log lines, by the flow's process;
a worker that dies mid-task leaves its runs Crashed, never Running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cauce import flow, get_run_logger, task
from cauce.context import FlowRunContext
from cauce.futures import wait
from cauce.states import State, StateType
from cauce.task_runners import DaskTaskRunner
from tests.conftest import Store, free_port

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.store_kinds("a Dask cluster per test is slow", "sqlite", "http"),
]

ROOT = Path(__file__).resolve().parents[2]
TWO_WORKERS = {
    "n_workers": 2,
    "threads_per_worker": 2,
    "processes": True,
    # Its HTTP server on a port of its own: on the default 8787, a cluster of another
    # test process (pytest-xdist) makes distributed warn, and warnings fail tests.
    "dashboard_address": ":0",
}


@task
def double(x: int) -> int:
    get_run_logger().info("doubling %d on pid %d", x, os.getpid())
    return 2 * x


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def explode(x: int) -> int:
    raise ValueError(f"no {x}")


@task
def slow(x: int) -> int:
    time.sleep(1.0)
    return x


@task(retries=2)
def flaky(path: str) -> str:
    marker = Path(path)
    if not marker.exists():
        marker.write_text("tried")
        raise RuntimeError("first attempt fails")
    return "second attempt"


def _log_lines(store: Store, flow_run_id: object) -> list[str]:
    lines: list[str] = []
    after = 0
    while page := store.client.read_logs(flow_run_id, after_id=after):  # type: ignore[arg-type]
        lines += [entry.message for _, entry in page]
        after = page[-1][0]
    return lines


def _states(store: Store, flow_run_id: object) -> dict[str, StateType]:
    store.flush()
    return {t.name: t.state.type for t in store.client.read_task_runs(flow_run_id)}  # type: ignore[arg-type]


def test_a_map_of_200_runs_on_worker_processes_and_is_recorded(store: Store) -> None:
    @flow(task_runner=DaskTaskRunner(cluster_kwargs=TWO_WORKERS))
    def mapping() -> tuple[list[int], int, object]:
        doubled = double.map(range(200))
        total = add.submit(doubled[0], doubled[199])
        context = FlowRunContext.get()
        assert context is not None
        return doubled.result(), total.result(), context.flow_run.id

    results, total, flow_run_id = mapping()

    assert results == [2 * x for x in range(200)]
    assert total == 0 + 398
    states = _states(store, flow_run_id)
    assert len(states) == 201
    assert set(states.values()) == {StateType.COMPLETED}
    lines = _log_lines(store, flow_run_id)
    doubling = [line for line in lines if line.startswith("doubling ")]
    assert len(doubling) == 200
    pids = {int(line.rsplit(" ", 1)[1]) for line in doubling}
    assert os.getpid() not in pids  # the tasks ran in the workers' processes
    assert sum("Finished in state Completed()" in line for line in lines) == 202
    # The runner's cluster was closed with the flow run: its worker processes are gone.
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(psutil.pid_exists(pid) for pid in pids)


def _flow_run_id() -> object:
    context = FlowRunContext.get()
    assert context is not None
    return context.flow_run.id


def test_a_failing_task_fails_its_flow_and_retries_work(store: Store, tmp_path: Path) -> None:
    flow_runs: list[object] = []

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=TWO_WORKERS))
    def failing(marker: str) -> list[int]:
        flow_runs.append(_flow_run_id())
        retried = flaky.submit(marker)
        assert retried.result() == "second attempt"
        return explode.map([1, 2]).result()

    state: State = failing(str(tmp_path / "marker"), return_state=True)  # type: ignore[call-arg]

    assert state.is_failed()
    with pytest.raises(ValueError, match="no 1"):
        state.result()
    store.flush()
    runs = {t.name: t for t in store.client.read_task_runs(flow_runs[0])}  # type: ignore[arg-type]
    assert runs["flaky-0"].state.type is StateType.COMPLETED
    assert runs["flaky-0"].run_count == 2
    assert {runs["explode-0"].state.type, runs["explode-1"].state.type} == {StateType.FAILED}


def test_a_worker_killed_mid_map_leaves_no_run_running(store: Store) -> None:
    import dask

    flow_runs: list[object] = []

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=TWO_WORKERS))
    def doomed() -> None:
        flow_runs.append(_flow_run_id())
        futures = slow.map(range(16))
        context = FlowRunContext.get()
        assert context is not None
        client = context.task_runner.client  # type: ignore[attr-defined]
        time.sleep(0.5)  # both workers are in the middle of their first tasks
        victim = next(iter(client.run(os.getpid).values()))
        psutil.Process(victim).kill()
        wait(futures)

    # Dask gives up on a task at once when its worker dies (KilledWorker), instead of
    # running it again elsewhere: the runs that were on that worker must end Crashed.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        state: State = doomed(return_state=True)  # type: ignore[call-arg]

    assert state.is_final() and not state.is_completed()
    states = _states(store, flow_runs[0])
    assert len(states) == 16
    assert set(states.values()) <= {StateType.COMPLETED, StateType.CRASHED}
    assert StateType.CRASHED in states.values()


def test_a_flow_failing_while_its_runs_are_in_flight_waits_for_them(store: Store) -> None:
    flow_runs: list[object] = []

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=TWO_WORKERS))
    def impatient() -> None:
        flow_runs.append(_flow_run_id())
        slow.map(range(4))
        raise RuntimeError("not waiting")

    state: State = impatient(return_state=True)  # type: ignore[call-arg]

    assert state.is_failed()
    assert list(_states(store, flow_runs[0]).values()) == [StateType.COMPLETED] * 4


@contextmanager
def _own_group(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`command` in a process group of its own, killed with its whole group at the end."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    options: dict[str, object] = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
        if sys.platform == "win32"
        else {"start_new_session": True}
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, **options
        )  # type: ignore[call-overload]
    try:
        yield process
    finally:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
        process.wait()


def test_a_separately_started_scheduler_and_worker_by_address(store: Store, tmp_path: Path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", address]
    with (
        _own_group(
            [*scheduler, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            tmp_path / "scheduler.log",
        ),
        _own_group(
            [*worker, "--nthreads", "2", "--no-dashboard", "--host", "127.0.0.1"],
            tmp_path / "worker.log",
        ),
        distributed.Client(address, timeout=30) as watcher,
    ):
        watcher.wait_for_workers(1, timeout=60)
        flow_runs: list[object] = []

        @flow(task_runner=DaskTaskRunner(address=address))
        def remote() -> int:
            flow_runs.append(_flow_run_id())
            return sum(double.map(range(10)).result())

        assert remote() == 90
        # The flow run left the cluster running: it still runs work.
        assert watcher.submit(sum, [1, 2], pure=False).result(timeout=30) == 3

    states = _states(store, flow_runs[0])
    assert list(states.values()) == [StateType.COMPLETED] * 10
    assert sum(line.startswith("doubling ") for line in _log_lines(store, flow_runs[0])) == 10


def test_importing_cauce_and_flows_without_dask_never_import_it(tmp_path: Path) -> None:
    script = tmp_path / "no_dask.py"
    script.write_text(
        "import sys\n"
        "from cauce import flow, task\n"
        "from cauce.task_runners import DaskTaskRunner, ThreadPoolTaskRunner\n"
        "@task\n"
        "def one() -> int:\n"
        "    return 1\n"
        "@flow\n"
        "def plain() -> int:\n"
        "    return one.submit().result()\n"
        "assert plain() == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'dask', 'distributed'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env["CAUCE_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
