"""Variables: what a name and a value may be, and create, read, change, delete.

The rules on names and values are in schemas/variables.py (the HTTP client checks
a value there too, before it is sent). Both the embedded client and the server's
routes go through these functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries import variables as queries
from cauce.orchestration.errors import InvalidRequest, ObjectExists, ObjectNotFound
from cauce.schemas.variables import StoredVariable, VariableFilter, name_problem, value_problem
from cauce.states import now_utc


def check_variable_name(name: str) -> None:
    """Refuse a name Prefect would refuse, saying what is wrong with it."""
    problem = name_problem(name)
    if problem:
        raise InvalidRequest(problem)


def check_variable_value(name: str, value: Any) -> None:
    """Refuse a value that is not JSON, or whose JSON is too long."""
    problem = value_problem(name, value)
    if problem:
        raise InvalidRequest(problem)


def create_variable(connection: Connection, variable: StoredVariable) -> StoredVariable:
    """Record a new variable; ObjectExists if the name is taken."""
    check_variable_name(variable.name)
    check_variable_value(variable.name, variable.value)
    if queries.select_variable(connection, variable.name) is not None:
        raise ObjectExists(f"variable {variable.name!r} already exists")
    queries.insert_variable(connection, variable)
    return variable


def read_variable(connection: Connection, name: str) -> StoredVariable:
    """The variable named `name`; ObjectNotFound naming it."""
    variable = queries.select_variable(connection, name)
    if variable is None:
        raise ObjectNotFound(f"variable {name!r} does not exist")
    return variable


def read_variables(connection: Connection, where: VariableFilter) -> list[StoredVariable]:
    """The variables matching `where`."""
    if where.offset < 0 or (where.limit is not None and where.limit < 0):
        raise InvalidRequest("offset and limit cannot be negative")
    return queries.select_variables(connection, where)


def update_variable(
    connection: Connection,
    name: str,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> StoredVariable:
    """Change the variable's `name`, `value` or `tags` (the keys of `changes`) at `now`
    (the clock's when omitted); the variable after."""
    variable = read_variable(connection, name)
    unknown = set(changes) - {"name", "value", "tags"}
    if unknown:
        raise InvalidRequest(f"a variable has no field {sorted(unknown)[0]!r}")
    new_name = changes.get("name", name)
    if new_name != name:
        check_variable_name(new_name)
        if queries.select_variable(connection, new_name) is not None:
            raise ObjectExists(f"variable {new_name!r} already exists")
    variable.name = new_name
    variable.value = changes.get("value", variable.value)
    check_variable_value(variable.name, variable.value)
    variable.tags = list(changes.get("tags", variable.tags))
    variable.updated = now or now_utc()
    queries.update_variable(connection, variable)
    return variable


def delete_variable(connection: Connection, name: str) -> None:
    """Delete the variable named `name`; ObjectNotFound naming it."""
    queries.delete_variable(connection, read_variable(connection, name))
