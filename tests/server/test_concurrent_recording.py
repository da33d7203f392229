"""Eight scripts recording 200-task flows at once through one `cauce server start`
lose no row and never meet "database is locked": on its SQLite file, then on PostgreSQL.

The rows are counted in the server's database directly, then read back through
the API (the HTTP client and `cauce flow-run ls`), which must agree.

The scripts share one CAUCE_HOME, as scripts of one user on one machine share
~/.cauce; it is not the server's home, so a script that recorded into a local
SQLite file instead of the server would leave a cauce.db there, which is checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cauce.client.http import HttpClient
from cauce.database.connections import create_engine
from cauce.schemas.flow_runs import FlowRunFilter
from tests.conftest import (
    POSTGRES_URL,
    empty_postgres,
    free_port,
    start_server,
    stop_server,
    use_postgres,
)
from tests.engine import scripts

PROCESSES = 8
TASKS_PER_FLOW = 200
FLOW_NAME = "recorded-concurrently"

SCRIPT = f"""
import sys
from cauce import flow, task, get_run_logger

@task
def step(worker: int, i: int) -> int:
    get_run_logger().info("worker %d step %d", worker, i)
    return i

@flow(name="{FLOW_NAME}")
def batch(worker: int) -> int:
    return sum(step(worker, i) for i in range({TASKS_PER_FLOW}))

if __name__ == "__main__":
    assert batch(int(sys.argv[1])) == {sum(range(TASKS_PER_FLOW))}
"""

# Per flow run: "Created flow run", per task "Created task run", the task's own
# line and "Finished in state", and the flow's "Finished in state".
ENGINE_LINES_PER_FLOW = 1 + 2 * TASKS_PER_FLOW + 1
LINES_PER_FLOW = ENGINE_LINES_PER_FLOW + TASKS_PER_FLOW
HISTORY = ["Pending", "Running", "Completed"]


def run_scripts(tmp_path: Path, api_url: str) -> float:
    """Start the PROCESSES scripts at once and wait for all, checking each; the seconds taken."""
    path = scripts.write_script(tmp_path, SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env.update(CAUCE_HOME=str(tmp_path / "scripts-home"), CAUCE_API_URL=api_url)
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, str(path), str(worker)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=150)[0] for p in processes]
    elapsed = time.monotonic() - started
    for worker, (process, output) in enumerate(zip(processes, outputs, strict=True)):
        assert process.returncode == 0, f"worker {worker} exited {process.returncode}:\n{output}"
        assert "database is locked" not in output, output
        assert "Traceback" not in output, output
        assert "could not record" not in output, output
    assert not (tmp_path / "scripts-home" / "cauce.db").exists(), "a script recorded locally"
    return elapsed


def check_database(database_url: str) -> dict[uuid.UUID, int]:
    """Count every row the scripts recorded, in the server's database; run id -> worker."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT r.id, r.parameters, r.state_type, r.state_id FROM flow_runs r "
                    "JOIN flows f ON f.id = r.flow_id WHERE f.name = :name"
                ),
                {"name": FLOW_NAME},
            ).all()
            flow_run_states = connection.execute(
                text("SELECT flow_run_id, name, id FROM flow_run_states ORDER BY timestamp")
            ).all()
            task_runs = connection.execute(
                text("SELECT id, flow_run_id, name, state_type, state_id FROM task_runs")
            ).all()
            task_run_states = connection.execute(
                text("SELECT task_run_id, name, id FROM task_run_states ORDER BY timestamp")
            ).all()
            logs = connection.execute(
                text("SELECT flow_run_id, task_run_id, message FROM logs")
            ).all()
    finally:
        engine.dispose()

    workers = {as_uuid(r.id): parameters(r.parameters)["worker"] for r in rows}
    assert len(rows) == PROCESSES
    assert sorted(workers.values()) == list(range(PROCESSES))
    assert {r.state_type for r in rows} == {"COMPLETED"}
    run_histories: dict[uuid.UUID, list[str]] = defaultdict(list)
    for s in flow_run_states:
        run_histories[as_uuid(s.flow_run_id)].append(s.name)
    assert run_histories == {run_id: HISTORY for run_id in workers}

    assert len(task_runs) == PROCESSES * TASKS_PER_FLOW
    assert {t.state_type for t in task_runs} == {"COMPLETED"}
    tasks_of: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for t in task_runs:
        tasks_of[as_uuid(t.flow_run_id)].add(as_uuid(t.id))
    assert {run_id: len(ids) for run_id, ids in tasks_of.items()} == dict.fromkeys(
        workers, TASKS_PER_FLOW
    )
    histories: dict[uuid.UUID, list[str]] = defaultdict(list)
    last_state: dict[uuid.UUID, uuid.UUID] = {}
    for s in task_run_states:
        histories[as_uuid(s.task_run_id)].append(s.name)
        last_state[as_uuid(s.task_run_id)] = as_uuid(s.id)
    assert len(task_run_states) == PROCESSES * TASKS_PER_FLOW * len(HISTORY)
    assert {task_run_id for task_run_id in histories} == {as_uuid(t.id) for t in task_runs}
    assert {tuple(h) for h in histories.values()} == {tuple(HISTORY)}
    # The current state on each row is the last of its history.
    assert all(last_state[as_uuid(t.id)] == as_uuid(t.state_id) for t in task_runs)

    assert len(logs) == PROCESSES * LINES_PER_FLOW
    lines: dict[uuid.UUID, list[str]] = defaultdict(list)
    task_lines: dict[uuid.UUID, set[str]] = defaultdict(set)
    for line in logs:
        run_id = as_uuid(line.flow_run_id)
        lines[run_id].append(line.message)
        if line.message.startswith("worker "):
            assert as_uuid(line.task_run_id) in tasks_of[run_id], line
            task_lines[run_id].add(line.message)
    assert {run_id: len(messages) for run_id, messages in lines.items()} == dict.fromkeys(
        workers, LINES_PER_FLOW
    )
    assert task_lines == {
        run_id: {f"worker {worker} step {i}" for i in range(TASKS_PER_FLOW)}
        for run_id, worker in workers.items()
    }
    return workers


def check_api(api_url: str, workers: dict[uuid.UUID, int], tmp_path: Path) -> None:
    """What the API returns agrees with the rows counted."""
    client = HttpClient(api_url, retry_seconds=0)
    try:
        runs = client.read_flow_runs(FlowRunFilter(flow_name=FLOW_NAME, limit=100))
        assert {run.id: run.parameters["worker"] for run in runs} == workers
        assert {run.state.name for run in runs} == {"Completed"}
        for run in runs:
            assert [s.name for s in client.read_flow_run_states(run.id)] == HISTORY
            task_runs = client.read_task_runs(run.id)
            assert len(task_runs) == TASKS_PER_FLOW
            assert {t.state.name for t in task_runs} == {"Completed"}
            assert [s.name for s in client.read_task_run_states(task_runs[-1].id)] == HISTORY
            assert len(read_all_logs(client, run.id)) == LINES_PER_FLOW
    finally:
        client.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env.update(CAUCE_HOME=str(tmp_path / "cli-home"), CAUCE_API_URL=api_url, COLUMNS="200")
    listed = subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "flow-run", "ls"]
        + ["--flow", FLOW_NAME, "--state", "COMPLETED", "--limit", "100"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    shown = {run_id for run_id in workers if str(run_id) in listed.stdout}
    assert shown == set(workers), listed.stdout


def read_all_logs(client: HttpClient, flow_run_id: uuid.UUID) -> list[str]:
    """Every log line of a run, paging through the API."""
    messages: list[str] = []
    after_id = 0
    while page := client.read_logs(flow_run_id, after_id=after_id):
        messages.extend(entry.message for _, entry in page)
        after_id = page[-1][0]
    return messages


def as_uuid(value: object) -> uuid.UUID:
    """A UUID column as SQLite (text or bytes) or PostgreSQL (uuid) returns it from raw SQL."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes):
        return uuid.UUID(bytes=value) if len(value) == 16 else uuid.UUID(value.decode())
    return uuid.UUID(str(value))


def parameters(value: object) -> dict[str, Any]:
    """A JSON column as raw SQL returns it: decoded on PostgreSQL, text on SQLite."""
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    assert isinstance(decoded, dict), value
    return decoded


def record_and_count(tmp_path: Path, database_url: str, **server_env: str) -> None:
    """The whole scenario against one server on `database_url`."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "server.log"
    server = start_server(tmp_path / "server-home", port, log, **server_env)
    try:
        elapsed = run_scripts(tmp_path, api_url)
        workers = check_database(database_url)
        check_api(api_url, workers, tmp_path)
    finally:
        stop_server(server)
    server_log = log.read_text()
    assert "database is locked" not in server_log, server_log
    assert "Traceback" not in server_log, server_log
    # uvicorn's access log: one line per request, each answered 2xx.
    statuses = re.findall(r'" (\d{3}) ', server_log)
    assert statuses, f"no access log lines:\n{server_log}"
    assert {s for s in statuses if not s.startswith("2")} == set(), server_log
    print(f"{PROCESSES} scripts x {TASKS_PER_FLOW} tasks recorded in {elapsed:.1f} s")


@pytest.mark.timeout(240)
class TestEightScriptsRecordingThroughOneServer:
    def test_on_sqlite_nothing_is_lost_and_nothing_is_locked(self, tmp_path: Path) -> None:
        database_url = f"sqlite:///{tmp_path / 'server-home' / 'cauce.db'}"
        record_and_count(tmp_path, database_url)

    @pytest.mark.postgres
    def test_on_postgres_nothing_is_lost(self, tmp_path: Path) -> None:
        use_postgres()
        empty_postgres()
        record_and_count(tmp_path, POSTGRES_URL, CAUCE_API_DATABASE_URL=POSTGRES_URL)
