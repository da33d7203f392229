"""Workers' heartbeats: who is alive, where, running what, and which runs to stop.

Claiming runs is orchestration/claims.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from cauce.database.queries import workers as queries
from cauce.ids import new_id
from cauce.orchestration.work_pools import read_work_pool
from cauce.schemas.workers import WorkerHeartbeat


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
    queries.update_run_heartbeats(connection, ids, {"heartbeat": now}, skip_locked=True)
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
