"""Several servers on one PostgreSQL: one of them, the leader, runs the background
services; killed (-9), another takes them over within a service interval, and the
scheduler still makes each run once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cauce.client.http import HttpClient
from tests.conftest import free_port, start_server, stop_server
from tests.server.test_scheduler_service import INTERVAL, _count_runs, _deployment_without_runs

LEADS = "services: this server runs them (it leads)"
STANDS_BY = "services: another server runs them; this one stands by"


def _wait_for_line(log: Path, line: str, seconds: float = 20) -> float:
    """When (monotonic) `line` appeared in `log`, waiting up to `seconds` for it."""
    deadline = time.monotonic() + seconds
    while line not in log.read_text():
        assert time.monotonic() < deadline, f"{line!r} not in {log}:\n{log.read_text()}"
        time.sleep(0.05)
    return time.monotonic()


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_one_server_leads_and_another_takes_over_when_it_is_killed(
    tmp_path: Path, own_postgres_url: str
) -> None:
    _deployment_without_runs(own_postgres_url)
    count = _count_runs(own_postgres_url)
    env = {**INTERVAL, "CAUCE_API_DATABASE_URL": own_postgres_url}
    logs = [tmp_path / "server-a.log", tmp_path / "server-b.log"]
    ports = [free_port(), free_port()]
    first = start_server(tmp_path / "home-a", ports[0], logs[0], **env)
    servers = [first]
    try:
        _wait_for_line(logs[0], LEADS)
        servers.append(start_server(tmp_path / "home-b", ports[1], logs[1], **env))
        _wait_for_line(logs[1], STANDS_BY)
        time.sleep(2.5)  # several passes of both
        assert LEADS not in logs[1].read_text(), "only one leads"
        assert count() == (3, 3)

        first.kill()  # kill -9: no goodbye, only its session ending
        first.wait()
        killed = time.monotonic()
        took_over = _wait_for_line(logs[1], LEADS)
        assert took_over - killed <= 1.0 + 1.0, "within one interval (1 s), with a margin"

        # The new leader's scheduler works: a run an hour late is marked Late, once.
        client = HttpClient(f"http://127.0.0.1:{ports[1]}/api")
        try:
            [deployment] = client.read_deployments()
            late = datetime.now(UTC) - timedelta(hours=1)
            client.create_flow_run_from_deployment(deployment.id, scheduled_time=late)
        finally:
            client.close()
        _wait_for_line(logs[1], "scheduler: marked 1 run(s) Late")
        assert count() == (4, 4), "no scheduled run made twice"
    finally:
        for server in servers:
            stop_server(server)
