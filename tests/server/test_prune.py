"""Retention: `cauce server database prune` and the server's CAUCE_SERVER_RETENTION
service delete ended runs older than a cutoff, with every row that is theirs, on SQLite
and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from cauce.cli.main import app
from cauce.database import tables as t
from cauce.database.connections import create_engine, ensure_schema
from cauce.orchestration.retention import ENDED_TYPES, prune, prune_chunk
from tests.conftest import Store, free_port, start_server, stop_server

pytestmark = pytest.mark.embedded_only("prune works on the database itself, not through a client")

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=10)
CHILD_TABLES = (t.flow_run_states, t.task_runs, t.task_run_states, t.logs, t.artifacts)


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    made = create_engine(store.url)
    ensure_schema(made)
    yield made
    made.dispose()


def add_run(
    engine: Engine,
    state_type: str,
    at: datetime,
    parent: uuid.UUID | None = None,
    ended: bool = True,
) -> uuid.UUID:
    """A flow run in `state_type` since `at`, with a state, two task runs (each with a
    state), a log line and an artifact."""
    flow_id, run_id = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(insert(t.flows), {"id": flow_id, "name": f"f-{flow_id}", "created": at})
        state = _state(state_type, at, ended)
        connection.execute(
            insert(t.flow_runs),
            {
                "id": run_id,
                "flow_id": flow_id,
                "name": "r",
                "parameters": {},
                "tags": [],
                "parent_flow_run_id": parent,
                **state,
            },
        )
        connection.execute(insert(t.flow_run_states), _history(state, flow_run_id=run_id))
        for _ in range(2):
            task = {
                "id": uuid.uuid4(),
                "flow_run_id": run_id,
                "task_name": "t",
                "name": "t-1",
                "tags": [],
                "task_inputs": {},
                **_state("COMPLETED", at, True),
            }
            connection.execute(insert(t.task_runs), task)
            connection.execute(insert(t.task_run_states), _history(task, task_run_id=task["id"]))
        connection.execute(
            insert(t.logs),
            {
                "flow_run_id": run_id,
                "name": "l",
                "level": 20,
                "message": "hola",
                "timestamp": at,
                "uid": uuid.uuid4(),
            },
        )
        connection.execute(
            insert(t.artifacts),
            {
                "id": uuid.uuid4(),
                "type": "markdown",
                "data": "# hola",
                "flow_run_id": run_id,
                "created": at,
                "updated": at,
            },
        )
    return run_id


def _state(state_type: str, at: datetime, ended: bool) -> dict[str, Any]:
    return {
        "state_id": uuid.uuid4(),
        "state_type": state_type,
        "state_name": state_type.title(),
        "state_timestamp": at,
        "run_count": 1,
        "start_time": at - timedelta(seconds=5),
        "end_time": at if ended else None,
        "created": at - timedelta(seconds=6),
    }


def _history(row: dict[str, Any], **owner: uuid.UUID) -> dict[str, Any]:
    return {
        "id": row["state_id"],
        "type": row["state_type"],
        "name": row["state_name"],
        "timestamp": row["state_timestamp"],
        **owner,
    }


def counts(engine: Engine) -> dict[str, int]:
    """Rows in flow_runs and each of its child tables."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.flow_runs, *CHILD_TABLES)
        }


def run_ids(engine: Engine) -> set[uuid.UUID]:
    with engine.connect() as connection:
        return set(connection.execute(select(t.flow_runs.c.id)).scalars())


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["server", "database", "prune", *args])


class TestWhatGoes:
    def test_old_ended_runs_go_with_every_row_of_theirs_and_others_stay(self, engine):
        gone = [add_run(engine, kind, OLD) for kind in ENDED_TYPES]
        gone.append(add_run(engine, "FAILED", OLD, ended=False))  # no end time: its state's
        kept = [add_run(engine, "COMPLETED", RECENT)]
        kept += [
            add_run(engine, kind, OLD, ended=False)
            for kind in ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING")
        ]
        result = cli("--older-than", "90d")
        assert result.exit_code == 0, result.output
        assert run_ids(engine) == set(kept)
        # Each run had 1 state, 2 task runs with 1 state each, 1 log line, 1 artifact.
        assert counts(engine) == {
            "flow_runs": 6,
            "flow_run_states": 6,
            "task_runs": 12,
            "task_run_states": 12,
            "logs": 6,
            "artifacts": 6,
        }
        lines = result.output.splitlines()
        assert lines[0].startswith("Deleted the flow runs that ended before ")
        assert "  COMPLETED          1" in lines
        assert "  FAILED             2" in lines
        assert lines[-1] == (
            "  total              5 flow run(s), with 10 task run(s) and their states, "
            "logs and artifacts"
        )

    def test_state_narrows_to_the_types_named(self, engine):
        failed = add_run(engine, "FAILED", OLD)
        crashed = add_run(engine, "CRASHED", OLD)
        completed = add_run(engine, "COMPLETED", OLD)
        result = cli("--older-than", "90d", "--state", "failed", "--state", "CRASHED")
        assert result.exit_code == 0, result.output
        assert run_ids(engine) == {completed}
        assert failed not in run_ids(engine) and crashed not in run_ids(engine)

    def test_dry_run_changes_nothing_and_reports_the_same_counts(self, engine):
        for kind in ("COMPLETED", "COMPLETED", "CANCELLED"):
            add_run(engine, kind, OLD)
        add_run(engine, "RUNNING", OLD, ended=False)
        before = counts(engine)
        dry = cli("--older-than", "90d", "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert counts(engine) == before
        assert dry.output.splitlines()[-1] == "Nothing was deleted (--dry-run)."
        real = cli("--older-than", "90d")
        assert dry.output.splitlines()[1:-1] == real.output.splitlines()[1:]
        assert counts(engine)["flow_runs"] == 1

    def test_nothing_old_enough_says_so(self, engine):
        add_run(engine, "COMPLETED", RECENT)
        result = cli("--older-than", "90d")
        assert result.exit_code == 0
        assert "nothing to delete" in result.output
        assert counts(engine)["flow_runs"] == 1


class TestSubflows:
    def test_a_subflow_goes_with_its_parent_at_any_depth(self, engine):
        parent = add_run(engine, "COMPLETED", OLD)
        child = add_run(engine, "FAILED", OLD, parent=parent)
        add_run(engine, "COMPLETED", OLD, parent=child)
        result = cli("--older-than", "90d", "--state", "COMPLETED")
        assert result.exit_code == 0, result.output
        assert run_ids(engine) == set()
        assert counts(engine)["task_runs"] == 0

    def test_a_subflow_whose_parent_stays_stays(self, engine):
        parent = add_run(engine, "COMPLETED", RECENT)
        child = add_run(engine, "COMPLETED", OLD, parent=parent)
        cli("--older-than", "90d")
        assert run_ids(engine) == {parent, child}

    def test_a_tree_with_a_run_that_has_not_ended_stays_whole(self, engine):
        parent = add_run(engine, "CRASHED", OLD)
        child = add_run(engine, "RUNNING", OLD, parent=parent, ended=False)
        cli("--older-than", "90d")
        assert run_ids(engine) == {parent, child}

    def test_a_subflow_whose_parent_is_gone_is_top_level(self, engine):
        add_run(engine, "COMPLETED", OLD, parent=uuid.uuid4())
        cli("--older-than", "90d")
        assert run_ids(engine) == set()


class TestChunks:
    def test_more_runs_than_a_chunk_go_in_several_transactions(self, engine):
        for _ in range(7):
            add_run(engine, "COMPLETED", OLD)
        kept = add_run(engine, "RUNNING", OLD, ended=False)
        cutoff = NOW - timedelta(days=90)

        def one_chunk(after: Any) -> Any:
            with engine.begin() as connection:
                return prune_chunk(connection, cutoff, ENDED_TYPES, after, chunk_runs=2)

        pruned = prune(one_chunk)
        assert (pruned.runs, pruned.task_runs, pruned.chunks) == (7, 14, 4)
        assert run_ids(engine) == {kept}

    def test_the_cli_chunk_size_gives_the_same_result(self, engine):
        for _ in range(5):
            add_run(engine, "FAILED", OLD)
        result = cli("--older-than", "90d", "--chunk-size", "2")
        assert result.exit_code == 0, result.output
        assert "  FAILED             5" in result.output.splitlines()
        assert run_ids(engine) == set()


def _cauce(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env["CAUCE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "server", "database", "prune", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestCommand:
    def test_on_a_fresh_home_it_deletes_and_exits_0(self, tmp_path):
        home = tmp_path / "home"
        engine = create_engine(f"sqlite:///{home / 'cauce.db'}")
        ensure_schema(engine)
        add_run(engine, "COMPLETED", OLD)
        add_run(engine, "COMPLETED", RECENT)
        done = _cauce(home, "--older-than", "30d")
        assert done.returncode == 0, done.stderr
        assert "  COMPLETED          1" in done.stdout.splitlines()
        assert counts(engine)["flow_runs"] == 1
        engine.dispose()

    @pytest.mark.parametrize(
        ("args", "error"),
        [
            (
                ["--older-than", "soon"],
                "--older-than: expected a duration such as 90, 30m or 2h, got 'soon'",
            ),
            (["--older-than", "0"], "--older-than: expected a duration longer than zero"),
            (
                ["--older-than", "9d", "--state", "RUNNING"],
                "--state: a RUNNING run has not ended and is never pruned",
            ),
            (
                ["--older-than", "9d", "--state", "DONE"],
                "--state: unknown state type 'DONE'; choose from COMPLETED",
            ),
        ],
    )
    def test_a_bad_option_is_one_line_and_exit_1(self, tmp_path, args, error):
        done = _cauce(tmp_path / "home", *args)
        assert done.returncode == 1
        assert error in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "home" / "cauce.db").exists()


def _until(predicate: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the retention service did not act in time"
        time.sleep(0.2)


@pytest.mark.timeout(120)
class TestRetentionService:
    def _serve_and_prune(self, home: Path, log: Path, url: str, **env: str) -> None:
        engine = create_engine(url)
        ensure_schema(engine)
        parent = add_run(engine, "COMPLETED", OLD)
        add_run(engine, "COMPLETED", OLD, parent=parent)
        add_run(engine, "FAILED", OLD)
        kept = {add_run(engine, "COMPLETED", RECENT), add_run(engine, "RUNNING", OLD, ended=False)}
        server = start_server(home, free_port(), log, CAUCE_SERVER_RETENTION="30d", **env)
        try:
            _until(lambda: "retention: deleted" in log.read_text())
        finally:
            stop_server(server)
        assert "INFO:     retention: deleted 3 run(s) older than 30d" in log.read_text()
        assert run_ids(engine) == kept
        assert counts(engine)["task_runs"] == 4
        engine.dispose()

    def test_a_server_on_sqlite_deletes_old_runs_at_start(self, tmp_path):
        home = tmp_path / "home"
        url = f"sqlite:///{home / 'cauce.db'}"
        self._serve_and_prune(home, tmp_path / "server.log", url)

    @pytest.mark.postgres
    def test_a_server_on_postgresql_deletes_old_runs_at_start(self, tmp_path, own_postgres_url):
        self._serve_and_prune(
            tmp_path / "home",
            tmp_path / "server.log",
            own_postgres_url,
            CAUCE_API_DATABASE_URL=own_postgres_url,
        )

    def test_without_the_setting_no_run_is_deleted(self, tmp_path):
        home = tmp_path / "home"
        engine = create_engine(f"sqlite:///{home / 'cauce.db'}")
        ensure_schema(engine)
        add_run(engine, "COMPLETED", OLD)
        log = tmp_path / "server.log"
        server = start_server(home, free_port(), log)
        try:
            time.sleep(1.5)
        finally:
            stop_server(server)
        assert counts(engine)["flow_runs"] == 1
        assert "retention" not in log.read_text()
        engine.dispose()
