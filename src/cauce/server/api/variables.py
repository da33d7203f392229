"""/api/variables: create, read, change and delete variables, at Prefect 3's paths.

Each route calls one function of orchestration/variables.py in a transaction; the
core's refusals become 404 (no such name), 409 (the name is taken) and 422 (a bad
name or value) in app.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from cauce.schemas.api import ErrorModel
from cauce.schemas.api_variables import (
    VariableCreate,
    VariableFilterRequest,
    VariableModel,
    VariableUpdate,
)
from cauce.server.api.responses import CONFLICT, REFUSED, UNREADABLE_BODY, json_response
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/variables", tags=["variables"])

NO_VARIABLE: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No variable with this name"},
}


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=VariableModel,
    responses={**CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def create_variable(body: VariableCreate, database: DatabaseDep) -> Response:
    """Record a new variable; 409 when the name is taken."""
    from cauce.orchestration.variables import create_variable as create

    variable = body.to_domain()
    created = await database.transaction(lambda connection: create(connection, variable))
    return json_response(VariableModel.from_domain(created), status.HTTP_201_CREATED)


@router.post("/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_variables(
    database: DatabaseDep, body: VariableFilterRequest | None = None
) -> list[VariableModel]:
    """The variables matching the filter, by name unless `sort` says otherwise."""
    from cauce.orchestration.variables import read_variables as read

    where = (body or VariableFilterRequest()).to_domain()
    found = await database.read(lambda connection: read(connection, where))
    return [VariableModel.from_domain(v) for v in found]


@router.get("/name/{name}", responses={**NO_VARIABLE})
async def read_variable(name: str, database: DatabaseDep) -> VariableModel:
    """One variable."""
    from cauce.orchestration.variables import read_variable as read

    variable = await database.read(lambda connection: read(connection, name))
    return VariableModel.from_domain(variable)


@router.patch(
    "/name/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NO_VARIABLE, **CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def update_variable(name: str, body: VariableUpdate, database: DatabaseDep) -> Response:
    """Change a variable's value, tags or name (only the fields given)."""
    from cauce.orchestration.variables import update_variable as update

    changes = body.changes()
    await database.transaction(lambda connection: update(connection, name, changes))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/name/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NO_VARIABLE})
async def delete_variable(name: str, database: DatabaseDep) -> Response:
    """Delete a variable."""
    from cauce.orchestration.variables import delete_variable as delete

    await database.transaction(lambda connection: delete(connection, name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
