"""Claiming a pool's due runs exactly once: the one way runs waiting for a worker are
taken, by workers and by `flow.serve()` alike.

A claim moves a due run (Scheduled or Late, its time come) to Pending through the same
compare-and-set as every state change, inside one transaction that holds the pool:
SQLite's single writer, or the pool's row locked `FOR UPDATE` on PostgreSQL (with the
runs read `SKIP LOCKED`). So however many workers poll one pool, each run is claimed
once, soonest first, and the pool's and the deployments' concurrency limits (counted
over claimed runs that have not ended) hold. A paused pool or deployment gives none.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from cauce.database.queries import workers as queries
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration.errors import ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.states import Pending


def claim_flow_runs(
    connection: Connection,
    pool_name: str,
    worker_id: uuid.UUID,
    most: int,
    now: datetime,
    prefetch_seconds: float = 0.0,
    deployment_ids: Sequence[uuid.UUID] | None = None,
) -> list[FlowRun]:
    """Claim up to `most` of the pool's runs due by now (+ prefetch), soonest first, for
    the worker (of the deployments given only, if any); those claimed, now Pending."""
    pool = queries.lock_pool(connection, pool_name)
    if pool is None:
        raise ObjectNotFound(f"work pool {pool_name!r} does not exist")
    if not queries.is_worker_of_pool(connection, worker_id, pool.id):
        # A claim in a worker's name that is not recorded would leave its runs with no
        # worker to heartbeat for them: it must heartbeat (register) first.
        raise ObjectNotFound(f"worker {worker_id} is not a worker of work pool {pool_name!r}")
    if pool.is_paused or most <= 0:
        return []
    active = queries.count_active_runs(connection, pool.id)
    room = most
    if pool.concurrency_limit is not None:
        room = min(room, pool.concurrency_limit - sum(active.values()))
    if room <= 0:
        return []
    limits = queries.select_deployment_limits(connection, pool.id)
    before = now + timedelta(seconds=max(prefetch_seconds, 0.0))
    skip_locked = connection.dialect.name == "postgresql"
    due = queries.select_due_runs(
        connection, pool.id, before, room + 50, skip_locked, deployment_ids
    )
    claimed: list[FlowRun] = []
    for flow_run in due:
        if len(claimed) >= room:
            break
        of = flow_run.deployment_id
        assert of is not None  # the query joins the runs to their deployments
        if of in limits and active.get(of, 0) >= limits[of]:
            continue
        if _claim(connection, flow_run, worker_id):
            active[of] = active.get(of, 0) + 1
            claimed.append(flow_run)
    return claimed


def _claim(connection: Connection, flow_run: FlowRun, worker_id: uuid.UUID) -> bool:
    """Move the run to Pending for the worker, unless someone moved it first."""
    result = set_flow_run_state(
        SqlAlchemyExecutor(connection), flow_run.id, Pending(), expected_state_id=flow_run.state.id
    )
    if result.status is not SetStateStatus.ACCEPT or result.state is None:
        return False
    queries.set_run_worker(connection, flow_run.id, worker_id)
    flow_run.state, flow_run.worker_id = result.state, worker_id
    flow_run.heartbeat = None
    return True
