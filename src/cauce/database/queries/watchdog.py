"""The runs the watchdog looks at: long Late, and long Running."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries.flow_runs import flow_run_from_row, flow_run_query
from cauce.database.tables import deployments, flow_runs
from cauce.schemas.flow_runs import FlowRun


def select_late_runs(connection: Connection, scheduled_before: datetime) -> list[FlowRun]:
    """Runs still waiting that were due before `scheduled_before`."""
    query = flow_run_query().where(
        flow_runs.c.state_type == "SCHEDULED", flow_runs.c.scheduled_time < scheduled_before
    )
    return [flow_run_from_row(row) for row in connection.execute(query.order_by(flow_runs.c.id))]


def select_running_runs(connection: Connection) -> list[tuple[FlowRun, Any]]:
    """Every Running run, with its deployment's own limit in seconds (None: the global
    one applies). Few runs are Running at once; the limits are compared by the caller."""
    limit = deployments.c.watchdog_running_after_seconds
    query = (
        flow_run_query()
        .add_columns(limit.label("running_after_seconds"))
        .outerjoin(deployments, deployments.c.id == flow_runs.c.deployment_id)
        .where(flow_runs.c.state_type == "RUNNING")
        .order_by(flow_runs.c.id)
    )
    return [
        (flow_run_from_row(row), row.running_after_seconds) for row in connection.execute(query)
    ]
