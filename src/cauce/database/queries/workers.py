"""Workers, and the flow runs they claim, heartbeat for and leave behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, case, func, insert, or_, select, update

from cauce.database.queries.flow_runs import flow_run_from_row, flow_run_query
from cauce.database.tables import deployments, flow_runs, work_pools, workers
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.workers import Worker

# A claimed run counts against the limits until it ends.
ACTIVE_STATE_TYPES = ("PENDING", "RUNNING", "CANCELLING")


def _in_progress() -> Any:
    return (
        select(func.count())
        .where(flow_runs.c.worker_id == workers.c.id)
        .where(flow_runs.c.state_type.in_(ACTIVE_STATE_TYPES))
        .scalar_subquery()
    )


def select_workers(connection: Connection, pool_name: str | None = None) -> list[Worker]:
    """Every worker (of one pool if named), by pool and name."""
    query = (
        select(workers, work_pools.c.name.label("pool_name"), _in_progress().label("running"))
        .join(work_pools, work_pools.c.id == workers.c.work_pool_id)
        .order_by(work_pools.c.name, workers.c.name)
    )
    if pool_name is not None:
        query = query.where(work_pools.c.name == pool_name)
    return [
        Worker(
            id=row.id,
            pool_name=row.pool_name,
            name=row.name,
            host=row.host,
            pid=row.pid,
            started=row.started,
            last_heartbeat=row.last_heartbeat,
            stopped=row.stopped,
            runs_in_progress=row.running,
        )
        for row in connection.execute(query)
    ]


def select_worker_id(connection: Connection, pool_id: uuid.UUID, name: str) -> uuid.UUID | None:
    """The id of the worker `name` of the pool, or None."""
    query = select(workers.c.id).where(workers.c.work_pool_id == pool_id, workers.c.name == name)
    return connection.execute(query).scalar()


def is_worker_of_pool(connection: Connection, worker_id: uuid.UUID, pool_id: uuid.UUID) -> bool:
    """Whether the worker `worker_id` is recorded, and in this pool."""
    query = select(workers.c.id).where(workers.c.id == worker_id, workers.c.work_pool_id == pool_id)
    return connection.execute(query).first() is not None


def insert_worker(connection: Connection, values: dict[str, Any]) -> None:
    """Record a worker seen for the first time."""
    connection.execute(insert(workers).values(values))


def update_worker(connection: Connection, worker_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change a worker's row (its heartbeat, process, or that it stopped)."""
    connection.execute(update(workers).where(workers.c.id == worker_id).values(values))


def update_run_heartbeats(
    connection: Connection,
    ids: Iterable[uuid.UUID],
    values: dict[str, Any],
    skip_locked: bool = False,
) -> None:
    """Stamp these runs' heartbeat (and host, process) columns. `skip_locked`: leave out
    a run whose row another transaction holds (on PostgreSQL), instead of waiting for it."""
    ids = list(ids)
    if not ids:
        return
    if skip_locked:
        # Waiting for several runs' rows, locked in no set order, while a batch of their
        # state changes waits for ours, is a deadlock. A run being written is alive anyway.
        free = (
            select(flow_runs.c.id).where(flow_runs.c.id.in_(ids)).with_for_update(skip_locked=True)
        )
        connection.execute(update(flow_runs).where(flow_runs.c.id.in_(free)).values(values))
    else:
        connection.execute(update(flow_runs).where(flow_runs.c.id.in_(ids)).values(values))


def select_runs_to_stop(connection: Connection, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Those of these runs being cancelled, or ended already (by the watchdog, a person).
    A run waiting between two attempts of its flow's retries (AwaitingRetry) or paused
    is not stopped: its process is still going."""
    ids = list(ids)
    if not ids:
        return []
    going = ("PENDING", "RUNNING", "SCHEDULED", "PAUSED")
    query = select(flow_runs.c.id).where(
        flow_runs.c.id.in_(ids), flow_runs.c.state_type.not_in(going)
    )
    return list(connection.execute(query).scalars())


def lock_pool(connection: Connection, pool_name: str) -> Row[Any] | None:
    """The pool's row, locked (on PostgreSQL) so that claims in one pool take turns."""
    query = select(work_pools).where(work_pools.c.name == pool_name).with_for_update()
    return connection.execute(query).first()


def count_active_runs(connection: Connection, pool_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """The pool's claimed, unfinished runs per deployment."""
    query = (
        select(flow_runs.c.deployment_id, func.count())
        .join(deployments, deployments.c.id == flow_runs.c.deployment_id)
        .where(deployments.c.work_pool_id == pool_id)
        .where(flow_runs.c.state_type.in_(ACTIVE_STATE_TYPES))
        .group_by(flow_runs.c.deployment_id)
    )
    return {row[0]: row[1] for row in connection.execute(query)}


def select_deployment_limits(connection: Connection, pool_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """The concurrency limit of each of the pool's deployments that has one."""
    query = select(deployments.c.id, deployments.c.concurrency_limit).where(
        deployments.c.work_pool_id == pool_id, deployments.c.concurrency_limit.is_not(None)
    )
    return {row[0]: row[1] for row in connection.execute(query)}


def select_due_runs(
    connection: Connection,
    pool_id: uuid.UUID,
    before: datetime,
    limit: int,
    skip_locked: bool,
    deployment_ids: Sequence[uuid.UUID] | None = None,
) -> list[FlowRun]:
    """Scheduled (or Late) runs of the pool's unpaused deployments (or of those given) due
    by `before`, soonest first."""
    query = (
        flow_run_query()
        .join(deployments, deployments.c.id == flow_runs.c.deployment_id)
        .where(deployments.c.work_pool_id == pool_id, deployments.c.is_paused.is_(False))
        .where(flow_runs.c.state_type == "SCHEDULED", flow_runs.c.scheduled_time <= before)
        .order_by(flow_runs.c.scheduled_time, flow_runs.c.id)
        .limit(limit)
    )
    if deployment_ids is not None:
        query = query.where(flow_runs.c.deployment_id.in_(deployment_ids))
    if skip_locked:
        query = query.with_for_update(of=flow_runs, skip_locked=True)
    return [flow_run_from_row(row) for row in connection.execute(query)]


def set_run_worker(connection: Connection, flow_run_id: uuid.UUID, worker_id: uuid.UUID) -> None:
    """Record which worker claimed the run. Until the run's own process says where it
    is, the run is where its worker is: a worker killed before its run's process
    started leaves a run whose recorded process is gone, which is then Crashed."""
    worker = select(workers.c.host, workers.c.pid).where(workers.c.id == worker_id)
    values = {
        "worker_id": worker_id,
        "host": worker.with_only_columns(workers.c.host).scalar_subquery(),
        "pid": worker.with_only_columns(workers.c.pid).scalar_subquery(),
        "heartbeat": None,
    }
    connection.execute(update(flow_runs).where(flow_runs.c.id == flow_run_id).values(values))


def select_silent_runs(
    connection: Connection, silent_since: datetime
) -> list[tuple[uuid.UUID, str]]:
    """Unfinished runs whose worker, or whose own process, has not been heard from
    since `silent_since`, with which of the two fell silent."""
    worker_silent = and_(
        flow_runs.c.worker_id.is_not(None),
        or_(workers.c.id.is_(None), workers.c.last_heartbeat < silent_since),
    )
    process_silent = and_(
        flow_runs.c.worker_id.is_(None),
        flow_runs.c.heartbeat.is_not(None),
        flow_runs.c.heartbeat < silent_since,
    )
    query = (
        select(flow_runs.c.id, workers.c.name)
        .outerjoin(workers, workers.c.id == flow_runs.c.worker_id)
        .where(flow_runs.c.state_type.in_(ACTIVE_STATE_TYPES))
        .where(or_(worker_silent, process_silent))
    )
    return [
        (row.id, f"worker {row.name!r}" if row.name else "its process")
        for row in connection.execute(query)
    ]


def select_runs_on_host(
    connection: Connection, host: str, watched_since: datetime
) -> list[tuple[uuid.UUID, int, int | None]]:
    """Unfinished runs recorded as run by a process on `host`, with its id and, when the
    run's worker on `host` has been heard from since `watched_since`, the worker's."""
    watcher = case(
        (
            and_(workers.c.host == host, workers.c.last_heartbeat >= watched_since),
            workers.c.pid,
        ),
        else_=None,
    )
    query = (
        select(flow_runs.c.id, flow_runs.c.pid, watcher.label("watcher_pid"))
        .outerjoin(workers, workers.c.id == flow_runs.c.worker_id)
        .where(
            flow_runs.c.host == host,
            flow_runs.c.pid.is_not(None),
            flow_runs.c.state_type.in_(ACTIVE_STATE_TYPES),
        )
    )
    return [(row.id, row.pid, row.watcher_pid) for row in connection.execute(query)]


def update_retry_policy(
    connection: Connection, flow_run_id: uuid.UUID, retries: int, retry_delay_seconds: float
) -> bool:
    """Store the flow's retries and the delay before the run's next attempt; False if
    there is no such run."""
    values = {"retries": retries, "retry_delay_seconds": retry_delay_seconds}
    result = connection.execute(
        update(flow_runs).where(flow_runs.c.id == flow_run_id).values(**values)
    )
    return result.rowcount > 0


def select_retry_policy(
    connection: Connection, flow_run_id: uuid.UUID
) -> tuple[int | None, float | None]:
    """The retries and next delay the run's process declared; (None, None) if none."""
    query = select(flow_runs.c.retries, flow_runs.c.retry_delay_seconds).where(
        flow_runs.c.id == flow_run_id
    )
    row = connection.execute(query).one_or_none()
    return (None, None) if row is None else (row.retries, row.retry_delay_seconds)
