"""A deployment's code as a worker runs it: from its project folder (working directory
and `sys.path`), its module importable by name (pickling works), and a git source
pulled for each run with two runs never pulling the same clone at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cauce.schemas.deployments import Deployment, WorkPool
from tests.conftest import Store
from tests.workers.conftest import until_final

PROJECT_FLOW = """\
import csv
import pickle
from dataclasses import dataclass

from cauce import flow
from ayudantes import doble  # a module beside the flow, as `python flujos.py` finds it


@dataclass
class Fila:
    nombre: str
    cantidad: int


@flow
def leer() -> int:
    with open("datos.csv", newline="") as datos:  # relative to the project folder
        filas = [Fila(r["nombre"], int(r["cantidad"])) for r in csv.DictReader(datos)]
    pickle.loads(pickle.dumps(filas))  # needs the flow's module in sys.modules
    return doble(sum(f.cantidad for f in filas))
"""


def _deploy(store: Store, source: str, name: str, branch: str | None = None) -> Deployment:
    return store.client.apply_deployment(
        Deployment(
            flow_name="leer",
            name=name,
            entrypoint="flujos.py:leer",
            work_pool_name="p",
            source=source,
            branch=branch,
        )
    )


def _project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "flujos.py").write_text(PROJECT_FLOW)
    (folder / "ayudantes.py").write_text("def doble(n):\n    return 2 * n\n")
    (folder / "datos.csv").write_text("nombre,cantidad\nana,2\nluis,3\n")
    return folder


@pytest.fixture
def pool(store: Store) -> str:
    store.client.create_work_pool(WorkPool("p"))
    return "p"


def test_a_flow_reads_its_project_files_and_pickles_its_classes(
    store: Store, pool: str, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    deployment = _deploy(store, str(_project(tmp_path / "proyecto")), "carpeta")
    flow_run = store.client.create_flow_run_from_deployment(deployment.id)
    worker = start_worker("--pool", pool, "--run-once")  # started elsewhere: tmp_path
    assert worker.process.wait(60) == 0, worker.output

    ended = until_final(store, flow_run.id, seconds=5)
    assert ended.state.name == "Completed", (ended.state, worker.output)


@pytest.mark.embedded_only(
    "the runs' clones live under the worker's CAUCE_HOME, one store is enough"
)
def test_two_runs_of_a_git_source_start_together_and_both_complete(
    store: Store, pool: str, tmp_path: Path, start_worker
):  # type: ignore[no-untyped-def]
    work = _project(tmp_path / "trabajo")
    repository = tmp_path / "repo.git"

    def git(*args: str, cwd: Path = work) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=30)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "flows")
    git("clone", "-q", "--bare", str(work), str(repository), cwd=tmp_path)
    deployment = _deploy(store, str(repository), "git", branch="main")
    runs = [store.client.create_flow_run_from_deployment(deployment.id) for _ in range(2)]

    worker = start_worker("--pool", pool, "--run-once")
    assert worker.process.wait(90) == 0, worker.output

    for flow_run in runs:
        ended = until_final(store, flow_run.id, seconds=5)
        assert ended.state.name == "Completed", (ended.state, worker.output)
