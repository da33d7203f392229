"""On POSIX a worker's runs are forked by its warm launcher: each run is the launcher's
child and leads a process group of its own, runs keep apart their environment, working
directory and imports, a killed launcher only means the next runs are spawned, and a
run killed by a signal is reported with that signal."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from cauce.schemas.deployments import Deployment, WorkPool
from tests.conftest import Store
from tests.workers.conftest import POOL, SLOW, until_final, until_running, wait_for

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads parent pids from /proc"
)

LOOKING = """\
import os
import sys

from cauce import flow


@flow
def mirar(name: str) -> None:
    leaked = sorted(key for key in os.environ if key.startswith("FUGA_"))
    modules = sum(module.startswith("cauce_source_") for module in sys.modules)
    print(f"{name}: cwd={os.getcwd()} leaked={leaked} modules={modules}")
    os.environ[f"FUGA_{name.upper()}"] = "1"
    os.chdir("/")
"""

SUICIDE = """\
import os
import signal

from cauce import flow


@flow
def suicida() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[-1].split()[1])


def _command_line(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read().replace(b"\0", b" ").decode()


def _deploy(store: Store, folder: Path, file: str, code: str, flow_name: str) -> Deployment:
    folder.mkdir(exist_ok=True)
    (folder / file).write_text(code)
    return store.client.apply_deployment(
        Deployment(
            flow_name=flow_name,
            name=folder.name,
            entrypoint=f"{file}:{flow_name}",
            work_pool_name=POOL,
            source=str(folder),
        )
    )


def _log_lines(store: Store, flow_run_id) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.message for _, line in store.client.read_logs(flow_run_id)]


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_a_run_is_the_launchers_child_and_leads_its_own_process_group(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    worker = start_worker("--pool", POOL)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 60})
    running = until_running(store, flow_run.id)
    pid = running.pid
    assert pid is not None
    start_worker.run_pids.append(pid)

    launcher = _parent(pid)
    assert launcher != worker.process.pid
    assert _parent(launcher) == worker.process.pid
    assert "cauce.workers.launcher" in _command_line(launcher)
    assert os.getpgid(pid) == pid and os.getsid(pid) == pid


def _printed(store: Store, flow_run_id, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in _log_lines(store, flow_run_id) if line.startswith(f"{name}: ")]


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_consecutive_runs_do_not_share_environment_directory_or_imports(
    store: Store, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    store.client.create_work_pool(WorkPool(POOL))
    first = _deploy(store, tmp_path / "a", "flujo_a.py", LOOKING, "mirar")
    second = _deploy(store, tmp_path / "b", "flujo_b.py", LOOKING, "mirar")
    start_worker("--pool", POOL, "--limit", "1")

    for deployment, name in ((first, "a"), (second, "b"), (first, "c")):
        flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"name": name})
        assert until_final(store, flow_run.id).state.name == "Completed"
        folder = tmp_path / ("b" if name == "b" else "a")
        lines = wait_for(lambda: _printed(store, flow_run.id, name), seconds=10)  # noqa: B023
        assert lines == [f"{name}: cwd={folder} leaked=[] modules=1"]  # only its own flow's


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_a_killed_launcher_leaves_the_run_going_and_the_next_runs_spawned(
    store: Store, deployment: Deployment, start_worker
):  # type: ignore[no-untyped-def]
    worker = start_worker("--pool", POOL)
    going = store.client.create_flow_run_from_deployment(deployment.id, {"n": 1, "dormir": 3})
    running = until_running(store, going.id)
    assert running.pid is not None
    start_worker.run_pids.append(running.pid)
    launcher = _parent(running.pid)
    assert "cauce.workers.launcher" in _command_line(launcher)

    os.kill(launcher, signal.SIGKILL)

    after = [store.client.create_flow_run_from_deployment(deployment.id, {"n": n}) for n in (2, 3)]
    for flow_run in [going, *after]:
        assert until_final(store, flow_run.id).state.name == "Completed", worker.output
    worker.wait_for_output(f"The run launcher (pid {launcher}) is gone")
    assert worker.output.count("The run launcher") == 1


def test_a_run_killed_by_a_signal_crashes_with_its_number(
    store: Store, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    store.client.create_work_pool(WorkPool(POOL))
    deployment = _deploy(store, tmp_path / "s", "flujo_s.py", SUICIDE, "suicida")
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {})
    worker = start_worker("--pool", POOL, "--run-once")
    assert worker.process.wait(60) == 0, worker.output

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Crashed"
    assert "exited with code -9" in (ended.state.message or ""), ended.state.message
