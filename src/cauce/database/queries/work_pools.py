"""Work pools: one row per pool name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from cauce.database.tables import deployments, work_pools
from cauce.schemas.deployments import WorkPool


def _work_pool_from_row(row: Row[Any]) -> WorkPool:
    return WorkPool(
        id=row.id,
        name=row.name,
        type=row.type,
        description=row.description,
        is_paused=row.is_paused,
        concurrency_limit=row.concurrency_limit,
        created=row.created,
        updated=row.updated,
    )


def insert_work_pool(connection: Connection, pool: WorkPool) -> None:
    """Record a new pool (its name must be new)."""
    connection.execute(
        insert(work_pools).values(
            id=pool.id,
            name=pool.name,
            type=pool.type,
            description=pool.description,
            is_paused=pool.is_paused,
            concurrency_limit=pool.concurrency_limit,
            created=pool.created,
            updated=pool.updated,
        )
    )


def select_work_pool(connection: Connection, name: str) -> WorkPool | None:
    """The pool named `name`, or None."""
    row = connection.execute(select(work_pools).where(work_pools.c.name == name)).first()
    return None if row is None else _work_pool_from_row(row)


def select_work_pools(connection: Connection) -> list[WorkPool]:
    """Every pool, by name."""
    rows = connection.execute(select(work_pools).order_by(work_pools.c.name))
    return [_work_pool_from_row(row) for row in rows]


def update_work_pool(connection: Connection, pool: WorkPool) -> None:
    """Store the pool's changeable fields (description, paused, concurrency limit)."""
    connection.execute(
        update(work_pools)
        .where(work_pools.c.id == pool.id)
        .values(
            description=pool.description,
            is_paused=pool.is_paused,
            concurrency_limit=pool.concurrency_limit,
            updated=pool.updated,
        )
    )


def count_deployments_in_pool(connection: Connection, pool: WorkPool) -> int:
    """How many deployments send their runs to `pool`."""
    query = select(func.count()).where(deployments.c.work_pool_id == pool.id)
    return int(connection.execute(query).scalar_one())


def delete_work_pool(connection: Connection, pool: WorkPool) -> None:
    """Delete the pool (the caller checked it has no deployments)."""
    connection.execute(delete(work_pools).where(work_pools.c.id == pool.id))
