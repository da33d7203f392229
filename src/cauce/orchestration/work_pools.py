"""Work pools: create, change and delete them, refusing what would strand a deployment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from cauce.database.queries import work_pools as queries
from cauce.orchestration.errors import InvalidRequest, ObjectExists, ObjectNotFound
from cauce.orchestration.scheduling import reschedule_work_pool
from cauce.schemas.deployments import WorkPool
from cauce.states import now_utc

POOL_TYPES = ("process",)


def create_work_pool(connection: Connection, pool: WorkPool) -> WorkPool:
    """Record a new pool; ObjectExists if the name is taken."""
    if pool.type not in POOL_TYPES:
        raise InvalidRequest(
            f"work pool type {pool.type!r} is not supported (supported: {', '.join(POOL_TYPES)})"
        )
    if pool.concurrency_limit is not None and pool.concurrency_limit < 0:
        raise InvalidRequest("a work pool's concurrency limit cannot be negative")
    if queries.select_work_pool(connection, pool.name) is not None:
        raise ObjectExists(f"work pool {pool.name!r} already exists")
    queries.insert_work_pool(connection, pool)
    return pool


def read_work_pool(connection: Connection, name: str) -> WorkPool:
    """The pool named `name`; ObjectNotFound naming it."""
    pool = queries.select_work_pool(connection, name)
    if pool is None:
        raise ObjectNotFound(f"work pool {name!r} does not exist")
    return pool


def update_work_pool(
    connection: Connection,
    name: str,
    *,
    is_paused: bool | None = None,
    concurrency_limit: int | None = None,
    clear_concurrency_limit: bool = False,
    description: str | None = None,
    now: datetime | None = None,
) -> WorkPool:
    """Pause, resume, or change the limit or description of a pool at `now` (the clock's
    when omitted); the pool after.

    Pausing removes its deployments' future Scheduled runs; resuming makes them again."""
    pool = read_work_pool(connection, name)
    was_paused = pool.is_paused
    if is_paused is not None:
        pool.is_paused = is_paused
    if concurrency_limit is not None:
        if concurrency_limit < 0:
            raise InvalidRequest("a work pool's concurrency limit cannot be negative")
        pool.concurrency_limit = concurrency_limit
    if clear_concurrency_limit:
        pool.concurrency_limit = None
    if description is not None:
        pool.description = description
    pool.updated = now or now_utc()
    queries.update_work_pool(connection, pool)
    if pool.is_paused != was_paused:
        reschedule_work_pool(connection, pool.name, pool.updated)
    return pool


def delete_work_pool(connection: Connection, name: str) -> None:
    """Delete a pool that no deployment uses."""
    pool = read_work_pool(connection, name)
    used_by = queries.count_deployments_in_pool(connection, pool)
    if used_by:
        raise InvalidRequest(
            f"work pool {name!r} still has {used_by} deployment(s); "
            "delete them or move them to another pool first"
        )
    queries.delete_work_pool(connection, pool)
