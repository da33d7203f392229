"""The scheduler inside `cauce server start`: it makes a deployment's upcoming runs by
itself, and never twice, however many servers share the database or restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cauce.client.http import HttpClient
from cauce.database.connections import create_engine, ensure_schema
from cauce.database.queries import deployments as queries
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.database.recording.writes import flow_id_for_name
from cauce.database.tables import flow_runs
from cauce.orchestration.work_pools import create_work_pool
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from tests.conftest import free_port, start_server, stop_server

INTERVAL = {"CAUCE_SERVER_SCHEDULER_INTERVAL": "1s"}


def _deployment_without_runs(url: str) -> None:
    """A deployment with a cron schedule written straight into the tables, as a server
    that stopped before its scheduler ran would leave it: no runs yet."""
    engine = create_engine(url)
    ensure_schema(engine)
    with engine.begin() as connection:
        pool = create_work_pool(connection, WorkPool(name="compras-prod"))
        deployment = Deployment(
            flow_name="basic-flow",
            name="printear-mensaje",
            entrypoint="basic.py:basic_flow",
            work_pool_name=pool.name,
        )
        flow_id = flow_id_for_name(SqlAlchemyExecutor(connection), deployment.flow_name)
        queries.insert_deployment(connection, deployment, flow_id, pool.id)
        schedule = DeploymentSchedule(
            timezone="America/Argentina/Buenos_Aires", cron="30 1,13,17 * * *"
        )
        queries.insert_schedules(connection, deployment.id, [schedule])
    engine.dispose()


def _count_runs(url: str) -> Callable[[], tuple[int, int]]:
    def count() -> tuple[int, int]:
        """(runs, distinct expected start times) of the deployment."""
        engine = create_engine(url)
        with engine.connect() as connection:
            total, distinct = connection.execute(
                select(func.count(), func.count(flow_runs.c.expected_start_time.distinct()))
            ).one()
        engine.dispose()
        return int(total), int(distinct)

    return count


def _until(predicate: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the scheduler did not make the runs in time"
        time.sleep(0.2)


@pytest.mark.timeout(120)
class TestSchedulerService:
    def test_on_sqlite_it_makes_the_runs_and_a_restart_makes_none_twice(
        self, tmp_path: Path
    ) -> None:
        home = tmp_path / "home"
        url = f"sqlite:///{home / 'cauce.db'}"
        home.mkdir()
        _deployment_without_runs(url)
        count = _count_runs(url)
        server = start_server(home, free_port(), tmp_path / "server.log", **INTERVAL)
        try:
            _until(lambda: count()[0] >= 3)
            time.sleep(2.5)  # more passes
        finally:
            stop_server(server)
        assert count() == (3, 3)
        server = start_server(home, free_port(), tmp_path / "server.log", **INTERVAL)
        try:
            time.sleep(2.5)
        finally:
            stop_server(server)
        assert count() == (3, 3)

    @pytest.mark.postgres
    def test_two_servers_on_one_postgresql_make_each_run_once(
        self, tmp_path: Path, own_postgres_url: str
    ) -> None:
        _deployment_without_runs(own_postgres_url)
        count = _count_runs(own_postgres_url)
        env = {**INTERVAL, "CAUCE_API_DATABASE_URL": own_postgres_url}
        servers = [
            start_server(tmp_path / f"home-{i}", free_port(), tmp_path / f"server-{i}.log", **env)
            for i in range(2)
        ]
        try:
            _until(lambda: count()[0] >= 3)
            time.sleep(3)  # several passes of both
            stop_server(servers[0])
            servers[0] = start_server(
                tmp_path / "home-0", free_port(), tmp_path / "server-0.log", **env
            )
            time.sleep(2.5)
        finally:
            for server in servers:
                stop_server(server)
        assert count() == (3, 3)

    def test_each_pass_that_did_something_says_so_in_the_servers_log(self, tmp_path: Path) -> None:
        home = tmp_path / "home"
        url = f"sqlite:///{home / 'cauce.db'}"
        home.mkdir()
        _deployment_without_runs(url)
        log = tmp_path / "server.log"
        port = free_port()
        server = start_server(home, port, log, **INTERVAL)
        try:
            _until(lambda: "made 3 scheduled run(s)" in log.read_text())
            client = HttpClient(f"http://127.0.0.1:{port}/api")
            [deployment] = client.read_deployments()
            an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
            client.create_flow_run_from_deployment(deployment.id, scheduled_time=an_hour_ago)
            client.close()
            _until(lambda: "marked 1 run(s) Late" in log.read_text())
        finally:
            stop_server(server)
        lines = log.read_text().splitlines()
        assert "INFO:     scheduler: made 3 scheduled run(s)" in lines
        assert "INFO:     scheduler: marked 1 run(s) Late" in lines
        # Only passes that did something: none of the idle ones in between.
        assert sum("scheduler:" in line for line in lines) == 2
