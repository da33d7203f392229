"""What Prefect users' own tests use: prefect_test_harness (a temporary store),
disable_run_logger (a task's .fn outside a run), and a returned state's state_details."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cauce import flow, get_run_logger, task
from cauce.client.factory import get_client
from cauce.exceptions import MissingContextError
from cauce.logging import disable_run_logger
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.testing.utilities import prefect_test_harness
from tests.conftest import Store


@task
def limpia(palabra: str) -> str:
    get_run_logger().info("limpiando %s", palabra)
    return palabra.strip().lower()


@flow
def limpieza(palabras: list[str]) -> list[str]:
    return [limpia(p) for p in palabras]


class TestHarness:
    def test_runs_in_the_harness_go_to_a_store_that_is_gone_after(
        self, store: Store, cauce_home: Path
    ) -> None:
        before = os.environ.get("CAUCE_API_URL")
        with prefect_test_harness():
            assert "CAUCE_API_URL" not in os.environ
            assert limpieza([" A", "b "]) == ["a", "b"]
            inside = get_client().read_flow_runs(FlowRunFilter(flow_name="limpieza"))
            assert len(inside) == 1
            home = Path(os.environ["CAUCE_HOME"])
            assert home != cauce_home and (home / "cauce.db").exists()
        assert not home.exists(), "deleted"
        assert os.environ.get("CAUCE_API_URL") == before, "the test's store is back"
        assert store.client.read_flow_runs(FlowRunFilter(flow_name="limpieza")) == []
        limpieza(["C"])
        assert len(get_client().read_flow_runs(FlowRunFilter(flow_name="limpieza"))) == 1


class TestDisableRunLogger:
    def test_a_tasks_fn_logs_nowhere_instead_of_failing(self) -> None:
        with pytest.raises(MissingContextError):
            limpia.fn(" X ")
        with disable_run_logger():
            assert limpia.fn(" X ") == "x"
        with pytest.raises(MissingContextError):
            limpia.fn(" X ")

    def test_prefects_loggers_module_path_gives_the_same_functions(self) -> None:
        from cauce.logging import loggers  # prefect.logging.loggers, import line changed

        with loggers.disable_run_logger():
            assert limpia.fn(" Y ") == "y"
        assert loggers.get_run_logger is get_run_logger


class TestStateDetails:
    def test_a_returned_state_names_its_run(self, store: Store) -> None:
        @task
        def paso() -> int:
            return 1

        @flow
        def con_paso() -> tuple[object, object]:
            state = paso(return_state=True)
            return state.state_details.task_run_id, state.state_details.flow_run_id

        final = con_paso(return_state=True)
        task_run_id, flow_run_id = final.result()
        (run,) = store.client.read_flow_runs(FlowRunFilter(flow_name="con-paso"))
        assert final.state_details.flow_run_id == run.id == flow_run_id
        assert final.state_details.task_run_id is None
        (task_run,) = store.client.read_task_runs(run.id)
        assert task_run_id == task_run.id
