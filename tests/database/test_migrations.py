"""Migrations: the recorded head is Alembic's head, and the tables match the migrations."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, insert, inspect, select

from cauce.database.connections import create_engine, current_revision, ensure_schema
from cauce.database.migrations import HEAD_REVISION
from cauce.database.migrations.runner import alembic_config, downgrade, upgrade
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.database.recording.writes import write_batch
from cauce.database.tables import flow_runs, flows, logs, metadata
from cauce.schemas.logs import LogEntry
from cauce.states import now_utc
from tests.conftest import Store

pytestmark = pytest.mark.embedded_only("migrations run on the database itself")


def schema_differences(connection: Connection) -> list[Any]:
    """What Alembic finds between the database and the tables, less one thing SQLite
    cannot show: a foreign key added with a column (0003's flow_runs.deployment_id,
    added in place so that no table copy cascades) is reflected without its name and
    ON DELETE, though both are in the table's SQL."""
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    if connection.dialect.name != "sqlite":
        return differences

    def renamed_inline_key(difference: Any) -> bool:
        kind, key = difference[0], difference[1]
        columns = [c.name for c in getattr(key, "columns", [])]
        return kind in ("add_fk", "remove_fk") and columns == ["deployment_id"]

    inline_sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'flow_runs'"
    ).scalar_one()
    if "deployment_id CHAR(32) CONSTRAINT fk_flow_runs__deployment_id__deployments" in inline_sql:
        return [d for d in differences if not renamed_inline_key(d)]
    return differences


def test_head_revision_constant_is_alembics_head() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


class TestMigrations:
    def test_fresh_database_is_migrated_to_head(self, store: Store) -> None:
        engine = create_engine(store.url)
        ensure_schema(engine)
        with engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
        engine.dispose()

    def test_tables_match_the_migrations(self, store: Store) -> None:
        engine = create_engine(store.url)
        ensure_schema(engine)
        with engine.connect() as connection:
            differences = schema_differences(connection)
        engine.dispose()
        assert differences == []

    def test_downgrade_to_base_and_back(self, store: Store) -> None:
        engine = create_engine(store.url)
        ensure_schema(engine)
        with engine.begin() as connection:
            downgrade(connection, "base")
        with engine.connect() as connection:
            assert "flow_runs" not in inspect(connection).get_table_names()
        with engine.begin() as connection:
            upgrade(connection)
        with engine.connect() as connection:
            assert "flow_runs" in inspect(connection).get_table_names()
            assert current_revision(connection) == HEAD_REVISION
        engine.dispose()

    def test_upgrade_from_0001_gives_existing_log_lines_unique_uids(self, store: Store) -> None:
        engine = create_engine(store.url)
        ensure_schema(engine)
        with engine.begin() as connection:
            downgrade(connection, "0001")
            assert "uid" not in {c["name"] for c in inspect(connection).get_columns("logs")}
            flow_id, flow_run_id, now = uuid.uuid4(), uuid.uuid4(), now_utc()
            connection.execute(insert(flows).values(id=flow_id, name="f", created=now))
            connection.execute(
                insert(flow_runs).values(
                    id=flow_run_id,
                    flow_id=flow_id,
                    name="r",
                    parameters={},
                    tags=[],
                    run_count=0,
                    created=now,
                )
            )
            old_line = {"flow_run_id": flow_run_id, "name": "x", "level": 20, "timestamp": now}
            connection.execute(
                insert(logs),
                [{**old_line, "message": "same"} for _ in range(50)],
            )
        with engine.begin() as connection:
            upgrade(connection)
        with engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
            assert schema_differences(connection) == []
            rows = connection.execute(select(logs.c.id, logs.c.uid).order_by(logs.c.id)).all()
        assert len(rows) == 50
        assert [row.id for row in rows] == sorted(row.id for row in rows)
        uids = [row.uid for row in rows]
        assert len(set(uids)) == 50
        assert {(uid.version, uid.variant) for uid in uids} == {(4, uuid.RFC_4122)}
        # The backfilled uids are keys like any other: a line sent again is not repeated.
        again = LogEntry(flow_run_id, None, "x", 20, "same", now, uid=uids[0])
        new = LogEntry(flow_run_id, None, "x", 20, "same", now)
        with engine.begin() as connection:
            write_batch(SqlAlchemyExecutor(connection), [], [], [again, new])
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(logs)).scalar() == 51
        engine.dispose()

    def test_schedules_stored_before_0011_take_no_parameters_of_their_own(
        self, store: Store
    ) -> None:
        from cauce.orchestration.deployments import apply_deployment, read_deployment
        from cauce.orchestration.work_pools import create_work_pool
        from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool

        engine = create_engine(store.url)
        ensure_schema(engine)
        schedule = DeploymentSchedule(timezone="UTC", cron="0 9 * * *", parameters={"n": 2})
        with engine.begin() as connection:
            create_work_pool(connection, WorkPool(name="local"))
            deployment = apply_deployment(
                connection,
                Deployment("f", "d", "f.py:f", "local", schedules=[schedule]),
                now_utc(),
            )
            downgrade(connection, "0010")
        with engine.begin() as connection:
            upgrade(connection)
            [kept] = read_deployment(connection, deployment.id).schedules
        engine.dispose()
        assert (kept.cron, kept.parameters) == ("0 9 * * *", {})


def test_database_created_without_alembic_equals_the_migrated_one(tmp_path: Path) -> None:
    from cauce.client.embedded import EmbeddedClient
    from cauce.schemas.flow_runs import FlowRunFilter

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    EmbeddedClient(url).write_batch([], [], [])  # a recording call creates the file
    engine = create_engine(url)
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
        assert schema_differences(connection) == []
    with engine.begin() as connection:
        downgrade(connection, "base")
        upgrade(connection)
    engine.dispose()
    assert EmbeddedClient(url).read_flow_runs(FlowRunFilter()) == []
