"""On PostgreSQL the recording statements run compiled once on psycopg, and write rows
byte for byte as SQLAlchemy's `Connection.execute` writes them, read back alike, and
fail with the same SQLAlchemy errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from cauce.database.connections import create_engine
from cauce.database.recording import writes
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Running, State, StateType
from tests.conftest import POSTGRES_URL, empty_postgres, use_postgres

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
TABLES = ("flows", "flow_runs", "flow_run_states", "task_runs", "task_run_states", "artifacts")


@pytest.fixture
def engine() -> Iterator[Engine]:
    use_postgres()
    empty_postgres()
    engine = create_engine(POSTGRES_URL)
    try:
        yield engine
    finally:
        engine.dispose()


FLOW_ID, FLOW_RUN_ID, TASK_RUN_ID, LOG_UID, ARTIFACT_ID = (new_id() for _ in range(5))
MINUS_3 = timezone(timedelta(hours=-3))
SCHEDULED = State(StateType.SCHEDULED, message="pronto ñ", timestamp=T0, scheduled_time=T0)
# Another zone than UTC, converted as SQLAlchemy converts it.
RUNNING = State(StateType.RUNNING, timestamp=T0.astimezone(MINUS_3) + timedelta(seconds=1))
COMPLETED = State(StateType.COMPLETED, timestamp=T0 + timedelta(seconds=2))


def record_everything(executor: SqlAlchemyExecutor) -> dict[str, Any]:
    """One run with a task run, states, a log line and an artifact; what the selects read."""
    flow_run = FlowRun(
        id=FLOW_RUN_ID,
        flow_name="mi-flujo",
        name="zippy-skunk",
        state=SCHEDULED,
        parameters={"x": 1, "y": 2.0, "big": 2**63, "nested": {"z": [1, "dos", None]}},
        tags=["a", "b"],
        created=T0,
        host="h",
        pid=42,
    )
    executor.execute("insert_flow", {"id": FLOW_ID, "name": "mi-flujo", "created": T0})
    flow_id = writes.flow_id_for_name(executor, "mi-flujo")
    writes.insert_flow_run(executor, flow_run, flow_id, None)
    writes.update_flow_run_state(
        executor, FLOW_RUN_ID, RUNNING, {"run_count": 1, "start_time": T0, "end_time": None}
    )
    task_run = TaskRun(
        TASK_RUN_ID,
        FLOW_RUN_ID,
        "t",
        "t-0",
        COMPLETED,
        tags=["x"],
        task_inputs={"a": [FLOW_RUN_ID]},
        run_count=1,
        start_time=T0,
        end_time=T0 + timedelta(seconds=2),
        created=T0,
    )
    writes.write_batch(
        executor,
        [(task_run, task_run.state)],
        [(TASK_RUN_ID, COMPLETED)],
        [LogEntry(FLOW_RUN_ID, TASK_RUN_ID, "l", 20, "hola\nmundo", T0, uid=LOG_UID)],
    )
    artifact = {
        "id": ARTIFACT_ID,
        "key": "k",
        "type": "markdown",
        "data": '"# t"',
        "description": None,
        "flow_run_id": FLOW_RUN_ID,
        "task_run_id": TASK_RUN_ID,
        "created": T0,
        "updated": T0,
    }
    executor.execute("insert_artifact", artifact)
    return {
        "flow_id": executor.execute("select_flow_id", {"name": "mi-flujo"}),
        "flow_run": executor.execute("select_flow_run_for_update", {"id": FLOW_RUN_ID}),
        "task_runs": executor.execute("select_task_run_states", {"ids": [TASK_RUN_ID, new_id()]}),
        "on_host": executor.execute("select_runs_on_host", {"host": "h"}),
        "newest": executor.execute("select_newest_artifact_time", {"key": "k"}),
        "revision": executor.execute("select_schema_revision"),
    }


def rows_as_text(connection: Connection) -> dict[str, list[str]]:
    """Every row of the recording tables as PostgreSQL prints it (logs without their serial id)."""
    tables = {
        name: connection.execute(text(f"SELECT t::text FROM {name} t ORDER BY t::text")).scalars()
        for name in TABLES
    }
    log_columns = "flow_run_id, task_run_id, name, level, message, timestamp, uid"
    logs = connection.execute(text(f"SELECT ({log_columns})::text FROM logs")).scalars()
    return {**{name: list(rows) for name, rows in tables.items()}, "logs": list(logs)}


def write_and_read(engine: Engine, compiled: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Record everything in a transaction, read it, and roll it back."""
    with engine.connect() as connection, connection.begin() as transaction:
        executor = SqlAlchemyExecutor(connection, compiled=compiled)
        assert (executor._runner is not None) is compiled
        selected = record_everything(executor)
        rows = rows_as_text(connection)
        transaction.rollback()
    return selected, rows


def test_compiled_statements_write_and_read_what_sqlalchemy_does(engine: Engine) -> None:
    by_sqlalchemy = write_and_read(engine, compiled=False)
    compiled = write_and_read(engine, compiled=True)
    assert compiled == by_sqlalchemy
    selected, rows = compiled
    assert all(rows[name] for name in (*TABLES, "logs")), rows
    assert selected["flow_id"] == [{"id": FLOW_ID}]
    assert selected["flow_run"][0]["state_timestamp"] == T0 + timedelta(seconds=1)
    assert selected["flow_run"][0]["state_timestamp"].tzinfo is UTC
    assert [row["id"] for row in selected["task_runs"]] == [TASK_RUN_ID]
    assert selected["on_host"] == [{"id": FLOW_RUN_ID, "pid": 42}]


def test_compiled_statements_fail_as_sqlalchemy_does(engine: Engine) -> None:
    state = writes.history_row(Running(), "flow_run_id", new_id())
    with engine.connect() as connection, connection.begin():
        with pytest.raises(IntegrityError, match="flow_run_states"):
            SqlAlchemyExecutor(connection).execute("insert_flow_run_state", state)
    with engine.connect() as connection, connection.begin():
        with pytest.raises(DataError):
            writes.flow_id_for_name(SqlAlchemyExecutor(connection), "nul\x00")
    naive = {"id": new_id(), "name": "y", "created": datetime(2026, 1, 1)}
    for compiled in (False, True):
        with engine.connect() as connection, connection.begin():
            with pytest.raises(StatementError, match="naive datetime"):
                SqlAlchemyExecutor(connection, compiled).execute("insert_flow", naive)
