"""The work pools page at /work-pools: each pool, the runs waiting in it, and its workers.

What `cauce work-pool inspect` and `cauce worker ls` show: a worker is healthy while it
has been heard from within 3 heartbeat periods (CAUCE_WORKER_HEARTBEAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.database.queries.ui_overview import PoolRunCounts
from cauce.schemas.deployments import WorkPool
from cauce.schemas.workers import Worker
from cauce.server.database import DatabaseDep
from cauce.server.ui.rendering import render
from cauce.states import now_utc

router = APIRouter(include_in_schema=False)


@dataclass(slots=True)
class WorkerView:
    """A worker and what its last heartbeat says of it: healthy, unhealthy or stopped."""

    worker: Worker
    status: str


@dataclass(slots=True)
class PoolView:
    """A pool with its waiting and running runs, its deployments' count and its workers."""

    pool: WorkPool
    runs: PoolRunCounts
    deployments: int
    workers: list[WorkerView]


def worker_status(worker: Worker, heartbeat_seconds: float) -> str:
    """ "stopped", "healthy" or "unhealthy", as `cauce worker ls` says."""
    if worker.stopped is not None:
        return "stopped"
    return "healthy" if worker.is_healthy(now_utc(), heartbeat_seconds) else "unhealthy"


@router.get("/work-pools", response_class=HTMLResponse)
async def work_pools_page(request: Request, database: DatabaseDep) -> Any:
    """Every work pool: paused or not, its limit, runs due and in progress, and workers."""
    from collections import Counter

    from sqlalchemy import Connection

    from cauce.database.queries.deployments import select_deployments
    from cauce.database.queries.ui_overview import count_pool_runs
    from cauce.database.queries.work_pools import select_work_pools
    from cauce.database.queries.workers import select_workers

    settings = request.app.state.settings
    heartbeat = settings.worker.heartbeat.total_seconds()

    def read(connection: Connection) -> list[PoolView]:
        counts = count_pool_runs(connection, now_utc())
        per_pool = Counter(d.work_pool_name for d in select_deployments(connection))
        workers = select_workers(connection)
        return [
            PoolView(
                pool,
                counts.get(pool.name, PoolRunCounts()),
                per_pool[pool.name],
                [
                    WorkerView(w, worker_status(w, heartbeat))
                    for w in workers
                    if w.pool_name == pool.name
                ],
            )
            for pool in select_work_pools(connection)
        ]

    pools = await database.read(read)
    zone: str = settings.default_timezone
    return render("work_pools.html", zone, pools=pools)
