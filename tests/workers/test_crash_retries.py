"""A worker's run whose process dies with the flow's retries left runs again, in a new
process, as `@flow(retries=...)` says; with none left it ends Crashed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cauce.schemas.deployments import Deployment, WorkPool
from tests.conftest import Store
from tests.workers.conftest import POOL, SLOW, until_final

# Each attempt kills its own process (no final state) until it has died `muertes` times.
KILLS_ITSELF = """\
import os
import signal
from pathlib import Path

from cauce import flow


@flow(retries={retries})
def reintenta(muertes: int) -> str:
    hechas = len(list(Path(".").glob("muerte-*")))
    if hechas < muertes:
        Path(f"muerte-{{hechas}}").touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return f"vivo tras {{hechas}} muertes"
"""


def _deploy(store: Store, folder: Path, retries: int) -> Deployment:
    (folder / "reintenta.py").write_text(KILLS_ITSELF.format(retries=retries))
    store.client.create_work_pool(WorkPool(POOL))
    return store.client.apply_deployment(
        Deployment(
            flow_name="reintenta",
            name="prod",
            entrypoint="reintenta.py:reintenta",
            work_pool_name=POOL,
            source=str(folder),
        )
    )


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_a_killed_run_with_a_retry_left_runs_again_and_completes(
    store: Store, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    deployment = _deploy(store, tmp_path, retries=1)
    start_worker("--pool", POOL)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"muertes": 1})

    ended = until_final(store, flow_run.id)

    assert (ended.state.name, ended.run_count) == ("Completed", 2), ended.state
    names = [state.name for state in store.client.read_flow_run_states(flow_run.id)]
    assert names == [
        "Scheduled",
        "Pending",
        "Running",
        "AwaitingRetry",
        "Pending",
        "Running",
        "Completed",
    ]
    [retry] = [
        s for s in store.client.read_flow_run_states(flow_run.id) if s.name == "AwaitingRetry"
    ]
    assert (retry.message or "").startswith(
        "Attempt 1 of 2 crashed: Flow run process exited with code -9 before the run ended."
    )


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_with_no_retry_left_the_run_ends_crashed(store: Store, tmp_path: Path, start_worker):  # type: ignore[no-untyped-def]
    deployment = _deploy(store, tmp_path, retries=1)
    start_worker("--pool", POOL)
    flow_run = store.client.create_flow_run_from_deployment(deployment.id, {"muertes": 5})

    ended = until_final(store, flow_run.id)

    assert (ended.state.name, ended.run_count) == ("Crashed", 2), ended.state
    assert "exited with code -9" in (ended.state.message or "")
    assert len(list(tmp_path.glob("muerte-*"))) == 2
