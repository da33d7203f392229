"""`serve(a.to_deployment(...), b.to_deployment(...))`: one script serves several flows,
as Prefect's `from prefect import serve` does, and runs only those deployments' runs."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from cauce import serve
from cauce.deployments import run_deployment
from cauce.schemas.deployments import Deployment
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from tests.conftest import Store
from tests.workers.conftest import SLOW, served_script, until_final

SERVED = """\
from cauce import flow, serve


@flow
def suma(a: int = 1, b: int = 2) -> int:
    return a + b


@flow
def saludo(nombre: str = "mundo") -> str:
    return f"hola {nombre}"


if __name__ == "__main__":
    serve(
        suma.to_deployment("cada-hora", interval=3600, parameters={"a": 40}),
        saludo.to_deployment("a-pedido"),
        limit=2,
    )
"""


def served(store: Store, tmp_path: Path) -> AbstractContextManager[subprocess.Popen[str]]:
    return served_script(store, tmp_path, SERVED, ("suma/cada-hora", "saludo/a-pedido"))


@pytest.fixture
def serving(store: Store, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    with served(store, tmp_path) as process:
        yield process


def _scheduled(store: Store, flow_name: str) -> list[FlowRun]:
    return store.client.read_flow_runs(
        FlowRunFilter(flow_name=flow_name, state_types=["SCHEDULED"])
    )


@pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")
def test_runs_of_each_served_deployment_complete_and_ctrl_c_stops_it(
    store: Store, serving: subprocess.Popen[str]
) -> None:
    hourly = store.client.read_deployment_by_name("suma/cada-hora")
    assert hourly.work_pool_name == "serve" and hourly.schedules
    assert _scheduled(store, "suma")  # the schedule's next runs

    suma = run_deployment("suma/cada-hora", timeout=0)
    saludo = run_deployment("saludo/a-pedido", parameters={"nombre": "Ana"}, timeout=0)

    assert until_final(store, suma.id).state.name == "Completed"
    assert until_final(store, saludo.id).state.name == "Completed"
    assert store.client.read_flow_run(suma.id).parameters == {"a": 40}

    serving.send_signal(signal.SIGINT)
    output, _ = serving.communicate(timeout=30)
    assert serving.returncode == 0, output
    assert "  suma/cada-hora\n  saludo/a-pedido\n" in output
    assert "Stopped serving 2 deployments." in output
    assert "Traceback" not in output
    # Nobody runs them now: the scheduled one is paused and its future runs are gone.
    assert store.client.read_deployment_by_name("suma/cada-hora").is_paused
    assert _scheduled(store, "suma") == []
    assert not store.client.read_deployment_by_name("saludo/a-pedido").is_paused


@pytest.mark.store_kinds(SLOW, "sqlite")
def test_serving_again_resumes_the_schedules_a_stop_paused(store: Store, tmp_path: Path) -> None:
    with served(store, tmp_path):
        pass
    assert store.client.read_deployment_by_name("suma/cada-hora").is_paused

    with served(store, tmp_path):
        deadline = time.monotonic() + 30  # until the new process has applied it again
        while store.client.read_deployment_by_name("suma/cada-hora").is_paused:
            assert time.monotonic() < deadline, "serving again left the deployment paused"
            time.sleep(0.1)
        assert _scheduled(store, "suma")


@pytest.mark.store_kinds(SLOW, "sqlite")
def test_a_run_of_a_deployment_not_served_here_is_left_waiting(
    store: Store, serving: subprocess.Popen[str]
) -> None:
    other = store.client.apply_deployment(
        Deployment(
            flow_name="suma", name="otra", entrypoint="flujos.py:suma", work_pool_name="serve"
        )
    )
    left = store.client.create_flow_run_from_deployment(other.id)
    served = run_deployment("saludo/a-pedido", timeout=0)

    assert until_final(store, served.id).state.name == "Completed"
    assert store.client.read_flow_run(left.id).state.name == "Scheduled"


def test_serve_with_no_deployment_says_what_it_needs() -> None:
    with pytest.raises(ValueError, match=r"serve\(\) needs a deployment"):
        serve()
