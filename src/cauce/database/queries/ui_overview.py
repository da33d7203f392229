"""Reads only the web UI needs: how many runs wait and run in each work pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select

from cauce.database.queries.workers import ACTIVE_STATE_TYPES
from cauce.database.tables import deployments, flow_runs, work_pools


@dataclass(slots=True)
class PoolRunCounts:
    """A pool's runs that are due and waiting for a worker, and those in progress."""

    due: int = 0
    in_progress: int = 0


def count_pool_runs(connection: Connection, now: datetime) -> dict[str, PoolRunCounts]:
    """Per pool name: Scheduled (or Late) runs due by `now`, and claimed runs not yet ended."""
    is_due = and_(flow_runs.c.state_type == "SCHEDULED", flow_runs.c.scheduled_time <= now)
    is_active = flow_runs.c.state_type.in_(ACTIVE_STATE_TYPES)
    query = (
        select(
            work_pools.c.name,
            func.sum(case((is_due, 1), else_=0)),
            func.sum(case((is_active, 1), else_=0)),
        )
        .join(deployments, deployments.c.work_pool_id == work_pools.c.id)
        .join(flow_runs, flow_runs.c.deployment_id == deployments.c.id)
        .where(flow_runs.c.state_type.in_(("SCHEDULED", *ACTIVE_STATE_TYPES)))
        .group_by(work_pools.c.name)
    )
    return {
        row[0]: PoolRunCounts(int(row[1] or 0), int(row[2] or 0))
        for row in connection.execute(query)
    }
