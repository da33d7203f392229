"""The work pool pages: each pool at /work-pools with the runs waiting in it and its
workers, and one pool with its deployments at /work-pools/{name}.

What `cauce work-pool inspect` and `cauce worker ls` show: a worker is healthy while it
has been heard from within 3 heartbeat periods (CAUCE_WORKER_HEARTBEAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.workers import Worker
from cauce.server.database import DatabaseDep
from cauce.server.ui.rendering import render
from cauce.states import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.queries.ui_overview import PoolRunCounts

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


def _pool_views(connection: Connection, heartbeat: float, name: str | None) -> list[PoolView]:
    """Every pool (or the one named) with its runs, deployments' count and workers."""
    from collections import Counter

    from cauce.database.queries.deployments import select_deployments
    from cauce.database.queries.ui_overview import PoolRunCounts, count_pool_runs
    from cauce.database.queries.work_pools import select_work_pools
    from cauce.database.queries.workers import select_workers

    counts = count_pool_runs(connection, now_utc())
    per_pool = Counter(d.work_pool_name for d in select_deployments(connection))
    workers = select_workers(connection, name)
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
        if name is None or pool.name == name
    ]


def _heartbeat(request: Request) -> float:
    seconds: float = request.app.state.settings.worker.heartbeat.total_seconds()
    return seconds


def _zone(request: Request) -> str:
    zone: str = request.app.state.settings.default_timezone
    return zone


@router.get("/work-pools", response_class=HTMLResponse)
async def work_pools_page(request: Request, database: DatabaseDep) -> Any:
    """Every work pool: paused or not, its limit, runs due and in progress, and workers."""
    heartbeat = _heartbeat(request)
    pools = await database.read(lambda connection: _pool_views(connection, heartbeat, None))
    return render("work_pools.html", _zone(request), pools=pools)


@router.get("/work-pools/{name}", response_class=HTMLResponse)
async def work_pool_page(request: Request, name: str, database: DatabaseDep) -> Any:
    """One work pool: what the list shows of it, and the deployments whose runs wait in it."""
    from cauce.database.queries.deployments import select_deployments

    heartbeat = _heartbeat(request)

    def read(connection: Connection) -> tuple[list[PoolView], list[Deployment]]:
        views = _pool_views(connection, heartbeat, name)
        return views, select_deployments(connection, work_pool_name=name) if views else []

    views, deployments = await database.read(read)
    if not views:
        return render("not_found.html", _zone(request), 404, what=f"Work pool {name!r}")
    return render("work_pools_one.html", _zone(request), view=views[0], deployments=deployments)
