"""Deployments from Python as Prefect users write them: flow.deploy(), flow.from_source(),
cauce.deploy() and run_deployment(), run as a user's script would run them."""

from __future__ import annotations

import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from cauce.client.base import ClientError
from cauce.deployments import run_deployment
from cauce.deployments.from_code import DeploymentError, seconds_from
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.states import Completed, Running
from tests.conftest import Store, run_script
from tests.engine.scripts import store_env, write_script

FLOWS = """\
from cauce import flow


@flow
def diario(n: int = 1, quien: str = "mundo"):
    return n


@flow(name="semanal")
def semanal():
    pass
"""


@pytest.fixture
def pool(store: Store) -> str:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    return "compras-prod"


class TestFlowDeploy:
    def test_a_flow_in_a_script_deploys_from_its_own_folder(
        self, store: Store, pool: str, tmp_path: Path
    ) -> None:
        source = FLOWS + textwrap.dedent("""
            if __name__ == "__main__":
                deployment_id = diario.deploy(
                    name="cada-dia",
                    work_pool_name="compras-prod",
                    cron="30 1,13,17 * * *",
                    timezone="America/Argentina/Buenos_Aires",
                    parameters={"n": 3},
                    tags=["compras"],
                    description="Cada día",
                )
                print(deployment_id)
        """)
        result = run_script(write_script(tmp_path, source, "flujos.py"), store_env())
        assert result.returncode == 0, result.stderr
        deployment = store.client.read_deployment_by_name("diario/cada-dia")
        assert str(deployment.id) == result.stdout.strip()
        assert (Path(deployment.source), deployment.entrypoint) == (
            tmp_path.resolve(),
            "flujos.py:diario",
        )
        assert deployment.parameters == {"n": 3} and deployment.tags == ["compras"]
        assert deployment.parameter_schema["required"] == []
        assert deployment.parameter_schema["properties"]["n"]["type"] == "integer"
        [schedule] = deployment.schedules
        assert schedule.cron == "30 1,13,17 * * *"
        assert schedule.timezone == "America/Argentina/Buenos_Aires"
        runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id))
        assert len(runs) == 3 and {r.state.name for r in runs} == {"Scheduled"}

    def test_a_deploy_to_a_missing_pool_is_refused_and_writes_nothing(
        self, store: Store, tmp_path: Path
    ) -> None:
        source = FLOWS + '\ndiario.deploy(name="x", work_pool_name="nowhere")\n'
        result = run_script(write_script(tmp_path, source, "flujos.py"), store_env())
        assert result.returncode == 1
        assert "work pool 'nowhere' does not exist" in result.stderr
        assert store.client.read_deployments() == []

    def test_cauce_deploy_applies_several_with_one_pool(
        self, store: Store, pool: str, tmp_path: Path
    ) -> None:
        source = FLOWS + textwrap.dedent("""
            from datetime import timedelta

            import cauce
            cauce.deploy(
                diario.to_deployment(
                    "a", interval=3600, timezone="Europe/Madrid", watchdog_running_after="6h"
                ),
                semanal.to_deployment(
                    "b",
                    rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=9",
                    watchdog_running_after=timedelta(minutes=90),
                ),
                work_pool_name="compras-prod",
            )
        """)
        result = run_script(write_script(tmp_path, source, "flujos.py"), store_env())
        assert result.returncode == 0, result.stderr
        names = sorted(d.full_name for d in store.client.read_deployments())
        assert names == ["diario/a", "semanal/b"]
        a = store.client.read_deployment_by_name("diario/a")
        [interval] = a.schedules
        assert (interval.interval_seconds, interval.timezone) == (3600, "Europe/Madrid")
        assert a.watchdog_running_after_seconds == 6 * 3600
        b = store.client.read_deployment_by_name("semanal/b")
        assert b.watchdog_running_after_seconds == 90 * 60


class TestWatchdogLimitInCode:
    @pytest.mark.parametrize("given", ["soon", 0, -5, "0s"])
    def test_anything_but_a_positive_duration_is_refused_naming_the_option(
        self, given: object
    ) -> None:
        with pytest.raises(DeploymentError, match="^watchdog_running_after"):
            seconds_from(given, "watchdog_running_after")  # type: ignore[arg-type]


class TestFromSource:
    def test_from_a_folder(self, store: Store, pool: str, tmp_path: Path) -> None:
        code = tmp_path / "code"
        code.mkdir()
        (code / "flujos.py").write_text(FLOWS)
        script = textwrap.dedent(f"""
            from cauce import flow
            deployed = flow.from_source(source={str(code)!r}, entrypoint="flujos.py:diario")
            deployed.deploy(name="desde-carpeta", work_pool_name="compras-prod")
        """)
        result = run_script(write_script(tmp_path, script), store_env())
        assert result.returncode == 0, result.stderr
        deployment = store.client.read_deployment_by_name("diario/desde-carpeta")
        assert (deployment.source, deployment.entrypoint) == (str(code), "flujos.py:diario")

    def test_from_a_git_repository(self, store: Store, pool: str, tmp_path: Path) -> None:
        work = tmp_path / "work"
        work.mkdir()
        (work / "flujos.py").write_text(FLOWS)
        repository = tmp_path / "repo.git"

        def git(*args: str, cwd: Path = work) -> None:
            subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

        git("init", "-q", "-b", "main")
        git("add", ".")
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "flows")
        git("clone", "-q", "--bare", str(work), str(repository), cwd=tmp_path)
        script = textwrap.dedent(f"""
            from cauce import flow
            flow.from_source(
                source={str(repository)!r}, entrypoint="flujos.py:semanal", branch="main"
            ).deploy(name="desde-git", work_pool_name="compras-prod")
        """)
        result = run_script(write_script(tmp_path, script), store_env())
        assert result.returncode == 0, result.stderr
        deployment = store.client.read_deployment_by_name("semanal/desde-git")
        assert (deployment.source, deployment.branch) == (str(repository), "main")
        assert deployment.entrypoint == "flujos.py:semanal"

    def test_a_repository_that_cannot_be_cloned_says_what_git_said(
        self, store: Store, tmp_path: Path
    ) -> None:
        script = textwrap.dedent(f"""
            from cauce import flow
            flow.from_source(source={str(tmp_path / "nothing.git")!r}, entrypoint="f.py:f")
        """)
        result = run_script(write_script(tmp_path, script), store_env())
        assert result.returncode == 1
        assert "cannot get" in result.stderr and "nothing.git" in result.stderr


class TestRunDeployment:
    @pytest.fixture
    def deployment_name(self, store: Store, pool: str, tmp_path: Path) -> str:
        source = FLOWS + '\ndiario.deploy(name="a-mano", work_pool_name="compras-prod")\n'
        result = run_script(write_script(tmp_path, source, "flujos.py"), store_env())
        assert result.returncode == 0, result.stderr
        return "diario/a-mano"

    def test_with_timeout_zero_the_run_is_returned_scheduled(
        self, store: Store, deployment_name: str
    ) -> None:
        flow_run = run_deployment(deployment_name, parameters={"n": 5}, timeout=0)
        assert flow_run.state.name == "Scheduled"
        assert flow_run.parameters == {"n": 5}
        stored = store.client.read_flow_run(flow_run.id)
        assert stored.deployment_id == store.client.read_deployment_by_name(deployment_name).id

    def test_a_parameter_of_the_wrong_type_is_refused_naming_it(
        self, store: Store, deployment_name: str
    ) -> None:
        with pytest.raises(ClientError, match="parameter 'n' must be an integer, got 'cinco'"):
            run_deployment(deployment_name, parameters={"n": "cinco"}, timeout=0)
        assert store.client.read_flow_runs(FlowRunFilter(flow_name="diario")) == []

    def test_it_waits_for_the_run_to_end(self, store: Store, deployment_name: str) -> None:
        def worker() -> None:  # stands for the worker that runs it
            for _ in range(200):
                [run] = store.client.read_flow_runs(FlowRunFilter(flow_name="diario")) or [None]
                if run is not None:
                    store.client.set_flow_run_state(run.id, Running())
                    store.client.set_flow_run_state(run.id, Completed())
                    return
                time.sleep(0.05)

        thread = threading.Thread(target=worker)
        thread.start()
        flow_run = run_deployment(deployment_name, timeout=30, poll_interval=0.05)
        thread.join()
        assert flow_run.state.name == "Completed"
