"""/api/work_pools: create, read, change and delete work pools.

Each route calls one function of orchestration/work_pools.py in a transaction
(imported inside the route: a server on SQLite starts without SQLAlchemy); the
core's refusals become 404, 409 and 422 in app.py.

`{name:path}`: a pool's name may hold a slash, as it may in the embedded client.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cauce.schemas.api_deployments import WorkPoolCreate, WorkPoolModel, WorkPoolUpdate
from cauce.server.api.responses import (
    CONFLICT,
    NO_WORK_POOL,
    REFUSED,
    UNREADABLE_BODY,
    json_response,
)
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/work_pools", tags=["work pools"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkPoolModel,
    responses={**CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def create_work_pool(body: WorkPoolCreate, database: DatabaseDep) -> Response:
    """Record a new work pool; 409 when the name is taken."""
    from cauce.orchestration.work_pools import create_work_pool as create

    pool = body.to_domain()
    created = await database.transaction(lambda connection: create(connection, pool))
    return json_response(WorkPoolModel.from_domain(created), status.HTTP_201_CREATED)


@router.get("")
async def read_work_pools(database: DatabaseDep) -> list[WorkPoolModel]:
    """Every work pool, by name."""
    from cauce.database.queries.work_pools import select_work_pools

    pools = await database.read(select_work_pools)
    return [WorkPoolModel.from_domain(p) for p in pools]


@router.get("/{name:path}", responses={**NO_WORK_POOL, **REFUSED})
async def read_work_pool(name: str, database: DatabaseDep) -> WorkPoolModel:
    """One work pool."""
    from cauce.orchestration.work_pools import read_work_pool as read

    pool = await database.read(lambda connection: read(connection, name))
    return WorkPoolModel.from_domain(pool)


@router.patch("/{name:path}", responses={**NO_WORK_POOL, **CONFLICT, **REFUSED, **UNREADABLE_BODY})
async def update_work_pool(name: str, body: WorkPoolUpdate, database: DatabaseDep) -> WorkPoolModel:
    """Pause or resume a pool, or change its concurrency limit or description."""
    from cauce.orchestration.work_pools import update_work_pool as update

    pool = await database.transaction(
        lambda connection: update(
            connection,
            name,
            is_paused=body.is_paused,
            concurrency_limit=body.concurrency_limit,
            clear_concurrency_limit=body.clear_concurrency_limit,
            description=body.description,
        )
    )
    return WorkPoolModel.from_domain(pool)


@router.delete(
    "/{name:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NO_WORK_POOL, **REFUSED},
)
async def delete_work_pool(name: str, database: DatabaseDep) -> Response:
    """Delete a pool; 422 while a deployment still sends its runs to it."""
    from cauce.orchestration.work_pools import delete_work_pool as delete

    await database.transaction(lambda connection: delete(connection, name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
