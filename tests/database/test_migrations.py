"""Migrations: the recorded head is Alembic's head, and the tables match the migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from cauce.database.engine import create_engine, current_revision, ensure_schema
from cauce.database.migrations import HEAD_REVISION
from cauce.database.migrations.runner import alembic_config, downgrade, upgrade
from cauce.database.tables import metadata
from tests.conftest import Store

pytestmark = pytest.mark.embedded_only("migrations run on the database itself")


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
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
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


def test_database_created_without_alembic_equals_the_migrated_one(tmp_path: Path) -> None:
    from cauce.client.embedded import EmbeddedClient
    from cauce.schemas.flow_runs import FlowRunFilter

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    EmbeddedClient(url).write_batch([], [], [])  # a recording call creates the file
    engine = create_engine(url)
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    with engine.begin() as connection:
        downgrade(connection, "base")
        upgrade(connection)
    engine.dispose()
    assert EmbeddedClient(url).read_flow_runs(FlowRunFilter()) == []
