"""`cauce server database upgrade|reset` on the test's store (SQLite, then PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

from cauce.cli.main import app
from cauce.client.base import NotFound
from cauce.database.migrations import HEAD_REVISION
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Pending
from tests.conftest import Store

pytestmark = pytest.mark.embedded_only(
    "`cauce server database` works on the database itself, not through a client"
)


def _record_run(store: Store, flow_name: str = "mi-flujo") -> uuid.UUID:
    run = FlowRun(uuid.uuid4(), flow_name, "zippy-skunk", Pending())
    store.client.create_flow_run(run, None)
    return run.id


def test_upgrade_reports_the_current_revision(store: Store):
    result = CliRunner().invoke(app, ["server", "database", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"revision {HEAD_REVISION}" in result.output


def test_reset_asks_first_and_keeps_everything_when_refused(store: Store):
    run_id = _record_run(store)
    result = CliRunner().invoke(app, ["server", "database", "reset"], input="n\n")
    assert result.exit_code == 1
    assert "Delete every flow, run, state and log" in result.output
    assert store.client.read_flow_run(run_id).name == "zippy-skunk"


def test_reset_with_yes_empties_the_database_at_the_current_schema(store: Store):
    run_id = _record_run(store)
    result = CliRunner().invoke(app, ["server", "database", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    with pytest.raises(NotFound):
        store.client.read_flow_run(run_id)
    assert store.client.read_flows() == []
    # The schema is back and usable. (A new flow name: the embedded client caches the
    # ids of flows it recorded, and the reset removed them.)
    _record_run(store, flow_name="otro")
