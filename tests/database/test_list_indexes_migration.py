"""Migration 0010: list-page indexes built on a table that already holds runs, and undone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Connection, insert, inspect

from cauce.database.connections import create_engine, current_revision, ensure_schema
from cauce.database.migrations import HEAD_REVISION
from cauce.database.migrations.runner import downgrade, upgrade
from cauce.database.queries.flow_runs import _page_ids, select_flow_runs
from cauce.database.tables import artifacts, flow_runs, flows
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.states import now_utc
from tests.conftest import Store
from tests.database.test_migrations import schema_differences

pytestmark = pytest.mark.embedded_only("migrations run on the database itself")

RUNS = 2_000


def _indexes(connection: Connection, table: str) -> set[str | None]:
    return {index["name"] for index in inspect(connection).get_indexes(table)}


def _record_runs(connection: Connection) -> list[uuid.UUID]:
    """RUNS runs (one per second, oldest first) of one flow, and an artifact of each."""
    flow_id, now = uuid.uuid4(), now_utc()
    connection.execute(insert(flows).values(id=flow_id, name="f", created=now))
    ids = [uuid.uuid4() for _ in range(RUNS)]
    connection.execute(
        insert(flow_runs),
        [
            {"id": run_id, "flow_id": flow_id, "name": f"r{n}", "parameters": {}, "tags": [],
             "run_count": 0, "created": now - timedelta(seconds=RUNS - n),
             "state_id": uuid.uuid4(), "state_type": "COMPLETED", "state_name": "Completed",
             "state_timestamp": now}
            for n, run_id in enumerate(ids)
        ],
    )  # fmt: skip
    connection.execute(
        insert(artifacts),
        [
            {"id": uuid.uuid4(), "type": "markdown", "data": "# x", "flow_run_id": run_id,
             "created": now, "updated": now}
            for run_id in ids
        ],
    )  # fmt: skip
    return ids


def test_0010_indexes_a_history_already_recorded_and_comes_undone(store: Store) -> None:
    engine = create_engine(store.url)
    ensure_schema(engine)
    with engine.begin() as connection:
        downgrade(connection, "0009")
        assert {"ix_flow_runs__created", "ix_flow_runs__deployment_id"} <= _indexes(
            connection, "flow_runs"
        )
        ids = _record_runs(connection)
    with engine.begin() as connection:
        upgrade(connection)
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
        assert schema_differences(connection) == []
        runs = _indexes(connection, "flow_runs")
        assert {"ix_flow_runs__created_id", "ix_flow_runs__deployment_id_created"} <= runs
        assert not {"ix_flow_runs__created", "ix_flow_runs__deployment_id"} & runs
        assert "ix_artifacts__created_id" in _indexes(connection, "artifacts")
        page = select_flow_runs(connection, FlowRunFilter(offset=RUNS // 2, limit=3))
        assert [run.id for run in page] == ids[::-1][RUNS // 2 : RUNS // 2 + 3]
    with engine.begin() as connection:
        downgrade(connection, "0009")
        runs = _indexes(connection, "flow_runs")
        assert {"ix_flow_runs__created", "ix_flow_runs__deployment_id"} <= runs
        assert not {"ix_flow_runs__created_id", "ix_flow_runs__deployment_id_created"} & runs
        assert "ix_artifacts__created_id" not in _indexes(connection, "artifacts")
        upgrade(connection)
        assert current_revision(connection) == HEAD_REVISION
    engine.dispose()


def test_a_flow_run_page_past_an_offset_reads_its_sort_keys_from_one_index(
    store: Store,
) -> None:
    """The skipped runs' (created, id) come from the covering index, not their rows."""
    if not store.url.startswith("sqlite"):
        pytest.skip("SQLite's query plan; PostgreSQL chooses by its statistics")
    engine = create_engine(store.url)
    ensure_schema(engine)
    with engine.begin() as connection:
        _record_runs(connection)
        where = FlowRunFilter(offset=RUNS // 2, limit=3)
        sql = _page_ids(connection, where).compile(
            connection, compile_kwargs={"literal_binds": True}
        )
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
    engine.dispose()
    assert any("USING COVERING INDEX ix_flow_runs__created_id" in row[-1] for row in plan), plan
