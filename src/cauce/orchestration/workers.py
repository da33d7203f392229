"""Workers: their heartbeats, and claiming a pool's due runs exactly once.

A claim moves a due run Scheduled -> Pending through the same compare-and-set as
every state change, inside one transaction that holds the pool: SQLite's single
writer, or the pool's row locked `FOR UPDATE` on PostgreSQL (with the runs read
`SKIP LOCKED`). So however many workers poll one pool, each run is claimed once,
and the pool's, the deployments' and the worker's concurrency limits hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from cauce.database.queries import workers as queries
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.database.tables import deployments
from cauce.ids import new_id
from cauce.orchestration.errors import ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.orchestration.work_pools import read_work_pool
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.schemas.workers import WorkerHeartbeat
from cauce.states import Pending


def record_worker_heartbeat(
    connection: Connection,
    pool_name: str,
    name: str,
    host: str,
    pid: int,
    flow_run_ids: Iterable[uuid.UUID],
    now: datetime,
) -> WorkerHeartbeat:
    """Note that the worker (and each of its runs) is alive; which of its runs to stop."""
    pool = read_work_pool(connection, pool_name)
    worker_id = queries.select_worker_id(connection, pool.id, name)
    values = {"host": host, "pid": pid, "last_heartbeat": now, "stopped": None}
    if worker_id is None:
        worker_id = new_id()
        queries.insert_worker(
            connection,
            {"id": worker_id, "work_pool_id": pool.id, "name": name, "started": now, **values},
        )
    else:
        queries.update_worker(connection, worker_id, values)
    ids = list(flow_run_ids)
    queries.update_run_heartbeats(connection, ids, {"heartbeat": now})
    return WorkerHeartbeat(worker_id, queries.select_runs_to_stop(connection, ids))


def record_worker_stopped(connection: Connection, worker_id: uuid.UUID, now: datetime) -> None:
    """The worker left on its own; it is listed as stopped, not as unhealthy."""
    queries.update_worker(connection, worker_id, {"stopped": now, "last_heartbeat": now})


def record_process_heartbeat(
    connection: Connection, flow_run_ids: Iterable[uuid.UUID], host: str, pid: int, now: datetime
) -> list[uuid.UUID]:
    """A run's own process says it is alive (and where it is); the runs to stop."""
    ids = list(flow_run_ids)
    queries.update_run_heartbeats(connection, ids, {"host": host, "pid": pid, "heartbeat": now})
    return queries.select_runs_to_stop(connection, ids)


def claim_flow_runs(
    connection: Connection,
    pool_name: str,
    worker_id: uuid.UUID,
    most: int,
    now: datetime,
    prefetch_seconds: float = 0.0,
) -> list[FlowRun]:
    """Claim up to `most` of the pool's runs due by now (+ prefetch), oldest first, for the
    worker; those claimed, Pending. A paused pool or deployment gives none."""
    pool = queries.lock_pool(connection, pool_name)
    if pool is None:
        raise ObjectNotFound(f"work pool {pool_name!r} does not exist")
    if pool.is_paused or most <= 0:
        return []
    active = queries.count_active_runs(connection, pool.id)
    room = most
    if pool.concurrency_limit is not None:
        room = min(room, pool.concurrency_limit - sum(active.values()))
    if room <= 0:
        return []
    limited = select(deployments.c.id, deployments.c.concurrency_limit).where(
        deployments.c.work_pool_id == pool.id, deployments.c.concurrency_limit.is_not(None)
    )
    limits: dict[uuid.UUID, int] = {row[0]: row[1] for row in connection.execute(limited)}
    before = now + timedelta(seconds=max(prefetch_seconds, 0.0))
    skip_locked = connection.dialect.name == "postgresql"
    due = queries.select_due_runs(connection, pool.id, before, room + 50, skip_locked)
    executor = SqlAlchemyExecutor(connection)
    claimed: list[FlowRun] = []
    for flow_run in due:
        if len(claimed) >= room:
            break
        deployment_id = flow_run.deployment_id
        assert deployment_id is not None  # the query joins the runs to their deployments
        limit = limits.get(deployment_id)
        if limit is not None and active.get(deployment_id, 0) >= limit:
            continue
        result = set_flow_run_state(
            executor, flow_run.id, Pending(), expected_state_id=flow_run.state.id
        )
        if result.status is not SetStateStatus.ACCEPT or result.state is None:
            continue
        queries.set_run_worker(connection, flow_run.id, worker_id)
        flow_run.state, flow_run.worker_id = result.state, worker_id
        flow_run.host = flow_run.pid = flow_run.heartbeat = None
        active[deployment_id] = active.get(deployment_id, 0) + 1
        claimed.append(flow_run)
    return claimed
