"""The variables page at /variables: each variable's name, value, tags and last change,
as `cauce variable ls` shows them; and deleting one, asked first at
/variables/{name}/delete (as `cauce variable unset` does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from cauce.schemas.variables import StoredVariable
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui import csrf
from cauce.server.ui.pages.common import not_found, see_other, with_token, zone
from cauce.server.ui.rendering import render

router = APIRouter(include_in_schema=False)

PREVIEW_LENGTH = 80


@dataclass(slots=True)
class VariableView:
    """A variable as the list shows it: its value as JSON, cut to PREVIEW_LENGTH
    characters, and whole for the cell's tooltip."""

    name: str
    preview: str
    value: str
    tags: list[str]
    updated: datetime


def variable_view(variable: StoredVariable) -> VariableView:
    """What the list shows of `variable`."""
    value = json.dumps(variable.value, ensure_ascii=False)
    cut = len(value) > PREVIEW_LENGTH
    preview = value[: PREVIEW_LENGTH - 1] + "…" if cut else value
    return VariableView(variable.name, preview, value, variable.tags, variable.updated)


@router.get("/variables", response_class=HTMLResponse)
async def variables_page(request: Request, database: DatabaseDep) -> Any:
    """Every variable by name, each with a link to delete it."""
    from cauce.orchestration.variables import read_variables
    from cauce.schemas.variables import VariableFilter

    found = await database.read(lambda connection: read_variables(connection, VariableFilter()))
    return render("variables.html", zone(request), variables=[variable_view(v) for v in found])


async def _read(database: ServerDatabase, name: str) -> StoredVariable | None:
    from cauce.database.queries.variables import select_variable

    return await database.read(lambda connection: select_variable(connection, name))


@router.get("/variables/{name}/delete", response_class=HTMLResponse)
async def confirm_delete_page(request: Request, name: str, database: DatabaseDep) -> Any:
    """Asks before deleting the variable: a form that POSTs the deletion."""
    variable = await _read(database, name)
    if variable is None:
        return not_found(request, f"Variable {name!r}")
    return with_token(request, "variable_confirm.html", variable=variable_view(variable))


@router.post("/variables/{name}/delete")
async def delete_variable(
    request: Request, name: str, form: csrf.CheckedForm, database: DatabaseDep
) -> Response:
    """Delete the variable; back to the list, which no longer shows it."""
    from cauce.orchestration.errors import ObjectNotFound
    from cauce.orchestration.variables import delete_variable as delete

    try:
        await database.transaction(lambda connection: delete(connection, name))
    except ObjectNotFound:
        return not_found(request, f"Variable {name!r}")
    return see_other("/variables")
