"""Migration 0008: the artifacts table comes and goes, and a run's artifacts go with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, insert, inspect, select

from cauce.database.connections import create_engine, current_revision, ensure_schema
from cauce.database.migrations import HEAD_REVISION
from cauce.database.migrations.runner import downgrade, upgrade
from cauce.database.tables import artifacts, flow_runs, flows
from cauce.states import now_utc
from tests.conftest import Store
from tests.database.test_migrations import schema_differences

pytestmark = pytest.mark.embedded_only("migrations run on the database itself")


def test_0008_adds_artifacts_that_cascade_with_their_run(store: Store) -> None:
    engine = create_engine(store.url)
    ensure_schema(engine)
    with engine.begin() as connection:
        downgrade(connection, "0007")
        assert "artifacts" not in inspect(connection).get_table_names()
        flow_id, run_id, now = uuid.uuid4(), uuid.uuid4(), now_utc()
        connection.execute(insert(flows).values(id=flow_id, name="f", created=now))
        connection.execute(
            insert(flow_runs).values(
                id=run_id, flow_id=flow_id, name="r", parameters={}, tags=[], run_count=0,
                created=now,
            )
        )  # fmt: skip
    with engine.begin() as connection:
        upgrade(connection)
    with engine.begin() as connection:
        assert current_revision(connection) == HEAD_REVISION
        assert schema_differences(connection) == []
        indexes = {i["name"] for i in inspect(connection).get_indexes("artifacts")}
        assert {"ix_artifacts__flow_run_id", "ix_artifacts__key_created"} <= indexes
        row = {"type": "progress", "data": 2.0, "created": now, "updated": now}
        connection.execute(insert(artifacts).values(id=uuid.uuid4(), flow_run_id=run_id, **row))
        connection.execute(insert(artifacts).values(id=uuid.uuid4(), key="suelto", **row))
        stored = connection.execute(select(artifacts.c.data)).scalars().all()
        assert stored == [2.0, 2.0] and all(type(v) is float for v in stored)
        connection.execute(delete(flow_runs).where(flow_runs.c.id == run_id))
        left = connection.execute(select(artifacts.c.key, func.count()).group_by(artifacts.c.key))
        assert left.all() == [("suelto", 1)]
    with engine.begin() as connection:
        downgrade(connection, "0007")
        assert "artifacts" not in inspect(connection).get_table_names()
        upgrade(connection)
        assert "artifacts" in inspect(connection).get_table_names()
    engine.dispose()
