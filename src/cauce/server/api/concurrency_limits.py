"""/api/v2/concurrency_limits: global concurrency limits and their slots, at Prefect 3's
paths.

Each route calls one function of orchestration/concurrency_limits.py in a transaction;
the core's refusals become 404, 409 and 422 in app.py. Slots that do not fit now are
Prefect's 423 with a Retry-After, and the client asks again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from cauce.schemas.api import ErrorModel
from cauce.schemas.api_concurrency_limits import (
    ConcurrencyLimitCreate,
    ConcurrencyLimitFilter,
    ConcurrencyLimitModel,
    ConcurrencyLimitUpdate,
    MinimalConcurrencyLimit,
    SlotsRelease,
    SlotsRequest,
)
from cauce.server.api.responses import CONFLICT, REFUSED, UNREADABLE_BODY, json_response
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/v2/concurrency_limits", tags=["concurrency limits"])

NO_LIMIT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No concurrency limit with this id or name"},
}
LOCKED: dict[int | str, dict[str, Any]] = {
    423: {"model": ErrorModel, "description": "No room for the slots now; ask again"},
}


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=ConcurrencyLimitModel,
    responses={**CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def create_concurrency_limit(body: ConcurrencyLimitCreate, database: DatabaseDep) -> Response:
    """Record a new limit; 409 when the name is taken."""
    from cauce.orchestration.concurrency_limits import create_limit

    limit = body.to_domain()
    created = await database.transaction(lambda connection: create_limit(connection, limit))
    return json_response(ConcurrencyLimitModel.from_domain(created), status.HTTP_201_CREATED)


@router.post("/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_concurrency_limits(
    database: DatabaseDep, body: ConcurrencyLimitFilter | None = None
) -> list[ConcurrencyLimitModel]:
    """The limits, by name."""
    from cauce.orchestration.concurrency_limits import read_limits

    where = body or ConcurrencyLimitFilter()
    found = await database.read(lambda c: read_limits(c, where.offset, where.limit))
    return [ConcurrencyLimitModel.from_domain(limit) for limit in found]


@router.get("/{id_or_name}", responses={**NO_LIMIT})
async def read_concurrency_limit(id_or_name: str, database: DatabaseDep) -> ConcurrencyLimitModel:
    """One limit, by id or name."""
    from cauce.orchestration.concurrency_limits import read_limit

    limit = await database.read(lambda connection: read_limit(connection, id_or_name))
    return ConcurrencyLimitModel.from_domain(limit)


@router.patch(
    "/{id_or_name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NO_LIMIT, **CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def update_concurrency_limit(
    id_or_name: str, body: ConcurrencyLimitUpdate, database: DatabaseDep
) -> Response:
    """Change a limit's fields (only those given)."""
    from cauce.orchestration.concurrency_limits import update_limit

    changes = body.changes()
    await database.transaction(lambda connection: update_limit(connection, id_or_name, changes))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{id_or_name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NO_LIMIT})
async def delete_concurrency_limit(id_or_name: str, database: DatabaseDep) -> Response:
    """Delete a limit."""
    from cauce.orchestration.concurrency_limits import delete_limit

    await database.transaction(lambda connection: delete_limit(connection, id_or_name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/increment",
    response_model=list[MinimalConcurrencyLimit],
    responses={**NO_LIMIT, **LOCKED, **REFUSED, **UNREADABLE_BODY},
)
async def increment_slots(body: SlotsRequest, database: DatabaseDep) -> Response:
    """Take `slots` of each active limit named, all or none: the limits named that
    exist; 423 when one has no room now; 404 for a missing one when `strict`."""
    from cauce.orchestration.concurrency_limits import acquire_slots

    found = await database.transaction(
        lambda c: acquire_slots(c, body.names, body.slots, body.mode, body.strict)
    )
    if found is None:
        detail = f"no room now for {body.slots} slot(s) of {body.names}"
        return JSONResponse({"detail": detail}, 423, headers={"Retry-After": "1"})
    named = [MinimalConcurrencyLimit.model_validate(limit) for limit in found]
    return JSONResponse([limit.model_dump(mode="json") for limit in named])


@router.post("/decrement", responses={**REFUSED, **UNREADABLE_BODY})
async def decrement_slots(
    body: SlotsRelease, database: DatabaseDep
) -> list[MinimalConcurrencyLimit]:
    """Give back `slots` of each active limit named: the limits named that exist."""
    from cauce.orchestration.concurrency_limits import release_slots

    found = await database.transaction(lambda c: release_slots(c, body.names, body.slots))
    return [MinimalConcurrencyLimit.model_validate(limit) for limit in found]
