"""suspend_flow_run under a real worker: the run's process ends, the run stays Suspended
(not Crashed); resumed from the CLI, the worker runs it again from the start, going past
the suspends it took already, to Completed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cauce.processes import process_is_alive
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from tests.conftest import Store
from tests.engine.records import names, recorded
from tests.engine.scripts import script_environment
from tests.workers.conftest import SLOW, until_final, wait_for

FLOWS = """\
from pathlib import Path

from cauce import flow, suspend_flow_run


def note(folder: str, what: str) -> None:
    with (Path(folder) / "notes.txt").open("a") as notes:
        notes.write(what + "\\n")


@flow
def aprobar(carpeta: str) -> str:
    note(carpeta, "start")
    suspend_flow_run(timeout=600)
    note(carpeta, "after first")
    suspend_flow_run(timeout=600, key="segunda")
    note(carpeta, "after second")
    return "aprobado"
"""

POOL = "aprobaciones"


def _suspended_and_left(store: Store, flow_run_id: uuid.UUID, pid: int | None) -> FlowRun:
    """The run once Suspended with its process (another than `pid`) ended."""

    def left() -> FlowRun | None:
        flow_run = store.client.read_flow_run(flow_run_id)
        assert not flow_run.state.is_final(), flow_run.state
        suspended = flow_run.state.name == "Suspended" and flow_run.pid not in (None, pid)
        return flow_run if suspended and not process_is_alive(flow_run.pid or 0) else None

    return wait_for(left, seconds=60)


def _resume_from_the_cli(folder: Path, flow_run_id: uuid.UUID) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "flow-run", "resume", str(flow_run_id)],
        env=script_environment(),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(180)
@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_a_suspended_run_waits_without_a_process_and_a_worker_runs_it_again_once_resumed(
    store: Store, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    (tmp_path / "aprobar.py").write_text(FLOWS)
    store.client.create_work_pool(WorkPool(POOL))
    deployment = store.client.apply_deployment(
        Deployment(
            flow_name="aprobar",
            name="prod",
            entrypoint="aprobar.py:aprobar",
            work_pool_name=POOL,
            source=str(tmp_path),
        )
    )
    worker = start_worker("--pool", POOL, "--name", "w1")
    flow_run = store.client.create_flow_run_from_deployment(
        deployment.id, {"carpeta": str(tmp_path)}
    )

    first = _suspended_and_left(store, flow_run.id, None)
    worker.wait_for_output("process exited with code 0")
    assert store.client.read_flow_run(flow_run.id).state.name == "Suspended"
    assert "is resumed: Scheduled." in _resume_from_the_cli(tmp_path, flow_run.id)

    second = _suspended_and_left(store, flow_run.id, first.pid)
    assert "is resumed: Scheduled." in _resume_from_the_cli(tmp_path, flow_run.id)
    ended = until_final(store, flow_run.id)

    assert ended.state.is_completed(), ended.state
    notes = (tmp_path / "notes.txt").read_text().split()
    assert " ".join(notes) == "start start after first start after first after second"
    run = recorded(store, flow_run.id)
    assert names(run.states) == [
        "Scheduled",
        *["Pending", "Running", "Suspended", "Scheduled"],
        *["Pending", "Running", "Suspended", "Scheduled"],
        *["Pending", "Running", "Completed"],
    ]
    assert "Crashed" not in worker.output
    assert second.pid != ended.pid
