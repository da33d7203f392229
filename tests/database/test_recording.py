"""The recording path writes rows that SQLAlchemy reads back unchanged, on either executor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cauce.client.embedded import EmbeddedClient
from cauce.database.connections import create_engine
from cauce.database.recording import sqlite_connection
from cauce.database.recording import writes as recording
from cauce.database.recording.executors import SqlAlchemyExecutor, SqliteExecutor
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Pending, Running, Scheduled, State
from tests.conftest import Store

T0 = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)


def _flow_run() -> FlowRun:
    return FlowRun(
        id=new_id(),
        flow_name="mi-flujo",
        name="zippy-skunk",
        state=Scheduled(T0 + timedelta(hours=1), message="soon"),
        parameters={"x": 1, "nested": {"y": [1, "dos"]}},
        tags=["a", "b"],
        created=T0,
    )


class TestRoundTrip:
    def test_flow_run_recorded_by_the_client_reads_back_equal(self, store: Store) -> None:
        flow_run = _flow_run()
        store.client.create_flow_run(flow_run, None)
        read = store.client.read_flow_run(flow_run.id)
        assert read.name == "zippy-skunk"
        assert read.flow_name == "mi-flujo"
        assert read.parameters == flow_run.parameters
        assert read.tags == ["a", "b"]
        assert read.created == T0
        assert read.state.name == "Scheduled"
        assert read.state.message == "soon"
        assert read.state.scheduled_time == T0 + timedelta(hours=1)
        assert read.state.id == flow_run.state.id

    def test_task_runs_states_and_logs_read_back_equal(self, store: Store) -> None:
        flow_run = _flow_run()
        store.client.create_flow_run(flow_run, None)
        upstream = new_id()
        pending, running, completed = Pending(), Running(), Completed()
        task_run = TaskRun(
            id=new_id(),
            flow_run_id=flow_run.id,
            task_name="t",
            name="t-0",
            state=completed,
            task_inputs={"x": [upstream]},
            run_count=1,
            start_time=T0,
            end_time=T0 + timedelta(seconds=1),
            created=T0,
        )
        states = [(task_run.id, s) for s in (pending, running, completed)]
        log = LogEntry(flow_run.id, task_run.id, "cauce.task_runs", 20, "hola ñandú", T0)
        store.client.write_batch([task_run], states, [log])

        [read] = store.client.read_task_runs(flow_run.id)
        assert read.task_inputs == {"x": [upstream]}
        assert (read.start_time, read.end_time, read.run_count) == (
            T0,
            T0 + timedelta(seconds=1),
            1,
        )
        history = store.client.read_task_run_states(task_run.id)
        assert [s.name for s in history] == ["Pending", "Running", "Completed"]
        [(_, read_log)] = store.client.read_logs(flow_run.id)
        assert read_log == log

    def test_a_task_run_written_twice_keeps_its_last_state(self, store: Store) -> None:
        flow_run = _flow_run()
        store.client.create_flow_run(flow_run, None)
        task_run = TaskRun(new_id(), flow_run.id, "t", "t-0", Running(), created=T0)
        store.client.write_batch([task_run], [(task_run.id, task_run.state)], [])
        task_run.state = Completed()
        store.client.write_batch([task_run], [(task_run.id, task_run.state)], [])
        [read] = store.client.read_task_runs(flow_run.id)
        assert read.state.name == "Completed"


def test_sqlite_driver_and_sqlalchemy_store_values_identically(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/both.db"
    EmbeddedClient(url).read_flows()  # creates the schema
    by_driver, by_sqlalchemy = _flow_run(), _flow_run()
    with sqlite_connection.write_transaction(sqlite_connection.connect(url)) as connection:
        executor = SqliteExecutor(connection)
        flow_id = recording.flow_id_for_name(executor, "mi-flujo")
        recording.insert_flow_run(executor, by_driver, flow_id, None)
    engine = create_engine(url)
    with engine.begin() as connection:
        recording.insert_flow_run(SqlAlchemyExecutor(connection), by_sqlalchemy, flow_id, None)
    raw = sqlite_connection.connect(url)
    rows = raw.execute(
        "SELECT id, flow_id, parameters, created, state_timestamp, scheduled_time FROM flow_runs"
    ).fetchall()
    shapes = {tuple(type(v).__name__ + str(len(str(v))) for v in row[1:]) for row in rows}
    assert len(rows) == 2 and len(shapes) == 1, rows
    with engine.connect() as connection:
        for flow_run in (by_driver, by_sqlalchemy):
            [row] = SqlAlchemyExecutor(connection).execute(
                "select_flow_run_for_update", {"id": flow_run.id}
            )
            assert row["scheduled_time"] == T0 + timedelta(hours=1)
    engine.dispose()


class TestRetriedWrites:
    """A request retried after its answer was lost must not be written twice."""

    def test_the_same_batch_twice_records_each_state_once(self, store: Store) -> None:
        flow_run = _flow_run()
        store.client.create_flow_run(flow_run, None)
        task_run = TaskRun(new_id(), flow_run.id, "t", "t-0", Pending(), created=T0)
        states = [(task_run.id, task_run.state)]
        store.client.write_batch([task_run], states, [])
        store.client.write_batch([task_run], states, [])
        assert [s.name for s in store.client.read_task_run_states(task_run.id)] == ["Pending"]

    def test_the_same_state_proposed_twice_is_accepted_once(self, store: Store) -> None:
        flow_run = _flow_run()
        store.client.create_flow_run(flow_run, None)
        running = Running()
        first = store.client.set_flow_run_state(flow_run.id, running)
        again = store.client.set_flow_run_state(flow_run.id, running)
        assert (first.status, again.status) == ("ACCEPT", "ACCEPT")
        names = [s.name for s in store.client.read_flow_run_states(flow_run.id)]
        assert names == ["Scheduled", "Running"]
        assert store.client.read_flow_run(flow_run.id).run_count == 1


def _batch_of_every_shape(
    flow_run_id: uuid.UUID,
) -> tuple[list[tuple[TaskRun, State]], list[tuple[uuid.UUID, State]], list[LogEntry]]:
    """Task runs, states and log lines with each kind of value the batch path converts:
    empty and full JSON, absent and present ids and times, other time zones, a whole
    second, unicode; and enough of them to fill several multi-row INSERTs."""
    plus_two = timezone(timedelta(hours=2))
    whole_second = datetime(2026, 3, 29, 2, 0, 0, tzinfo=plus_two)
    scheduled = Scheduled(T0 + timedelta(days=400), message="más tarde")
    pending, running = Pending(), Running()
    completed = Completed(message="listo")
    full = TaskRun(
        id=new_id(),
        flow_run_id=flow_run_id,
        task_name="t",
        name="t-0",
        state=completed,
        cache_key="clave",
        tags=["a", "ñ"],
        task_inputs={"x": [new_id()], "wait_for": [new_id(), new_id()]},
        run_count=2,
        start_time=whole_second,
        end_time=datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        created=T0,
    )
    bare = TaskRun(new_id(), None, "u", "u-0", scheduled, created=whole_second)
    states: list[tuple[uuid.UUID, State]] = [
        (full.id, pending),
        (full.id, running),
        (full.id, completed),
        (bare.id, scheduled),
    ]
    logs = [
        LogEntry(flow_run_id, full.id, "cauce.task_runs", 20, "hola ñandú", T0),
        LogEntry(flow_run_id, None, "cauce.flow_runs", 40, "", whole_second),
    ]
    # Past the rows one INSERT takes (32 task runs, 128 states), not a power of two:
    # several INSERTs of each size.
    many = [
        TaskRun(new_id(), flow_run_id, "v", f"v-{i}", Pending(), created=T0) for i in range(150)
    ]
    states += [(run.id, run.state) for run in many]
    logs += [LogEntry(flow_run_id, run.id, "cauce.task_runs", 20, run.name, T0) for run in many]
    return [(run, run.state) for run in (full, bare, *many)], states, logs


def test_a_batch_is_stored_byte_for_byte_as_sqlalchemy_stores_it(tmp_path: Path) -> None:
    flow_run = _flow_run()
    batch = _batch_of_every_shape(flow_run.id)
    tables = ("task_runs", "task_run_states", "logs")
    stored = []
    for name in ("driver", "sqlalchemy"):
        url = f"sqlite:///{tmp_path}/{name}.db"
        EmbeddedClient(url).create_flow_run(flow_run, None)
        if name == "driver":
            connection = sqlite_connection.connect(url)
            with sqlite_connection.write_transaction(connection):
                recording.write_batch(SqliteExecutor(connection), *batch)
        else:
            engine = create_engine(url)
            with engine.begin() as sqlalchemy_connection:
                recording.write_batch(SqlAlchemyExecutor(sqlalchemy_connection), *batch)
            engine.dispose()
        raw = sqlite_connection.connect(url)
        stored.append(
            {
                table: raw.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
                for table in tables
            }
        )
        raw.close()
    by_driver, by_sqlalchemy = stored
    assert by_driver == by_sqlalchemy
    assert [len(rows) for rows in by_driver.values()] == [152, 154, 152]
    full_id = batch[0][0][0].id.hex
    full_row, bare_row = (row[1:] for row in by_driver["task_runs"][:2])
    assert full_row[0] == full_id
    assert full_row[5] == '["a", "\\u00f1"]' and bare_row[5:7] == ("[]", "{}")
    assert full_row[6].startswith('{"x": ["') and full_row[1] == flow_run.id.hex
    assert full_row[14:] == (
        "2026-03-29 00:00:00.000000",
        "2026-12-31 23:59:59.999999",
        "2026-03-29 00:59:59.123456",
    )
