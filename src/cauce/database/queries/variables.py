"""Variables: one row per name, its value as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from cauce.database.tables import variables
from cauce.schemas.variables import StoredVariable, VariableFilter, VariableSort

_ORDER = {
    VariableSort.NAME_ASC: variables.c.name.asc(),
    VariableSort.NAME_DESC: variables.c.name.desc(),
    VariableSort.CREATED_DESC: variables.c.created.desc(),
    VariableSort.UPDATED_DESC: variables.c.updated.desc(),
}


def _variable_from_row(row: Row[Any]) -> StoredVariable:
    return StoredVariable(
        id=row.id,
        name=row.name,
        value=row.value,
        tags=list(row.tags),
        created=row.created,
        updated=row.updated,
    )


def insert_variable(connection: Connection, variable: StoredVariable) -> None:
    """Record a new variable (its name must be new)."""
    connection.execute(
        insert(variables).values(
            id=variable.id,
            name=variable.name,
            value=variable.value,
            tags=variable.tags,
            created=variable.created,
            updated=variable.updated,
        )
    )


def select_variable(connection: Connection, name: str) -> StoredVariable | None:
    """The variable named `name`, or None."""
    row = connection.execute(select(variables).where(variables.c.name == name)).first()
    return None if row is None else _variable_from_row(row)


def select_variables(connection: Connection, where: VariableFilter) -> list[StoredVariable]:
    """The variables matching `where`, in its order."""
    query = select(variables).order_by(_ORDER[where.sort], variables.c.name)
    if where.names is not None:
        query = query.where(variables.c.name.in_(where.names))
    if where.name_like:
        query = query.where(variables.c.name.ilike(f"%{where.name_like}%"))
    found = [_variable_from_row(row) for row in connection.execute(query)]
    if where.tags_all:
        # Tags are a JSON list, which SQLite cannot index into portably; variables are few.
        wanted = set(where.tags_all)
        found = [v for v in found if wanted <= set(v.tags)]
    end = None if where.limit is None else where.offset + where.limit
    return found[where.offset : end]


def update_variable(connection: Connection, variable: StoredVariable) -> None:
    """Store the variable's name, value, tags and update time."""
    connection.execute(
        update(variables)
        .where(variables.c.id == variable.id)
        .values(
            name=variable.name,
            value=variable.value,
            tags=variable.tags,
            updated=variable.updated,
        )
    )


def delete_variable(connection: Connection, variable: StoredVariable) -> None:
    """Delete the variable."""
    connection.execute(delete(variables).where(variables.c.id == variable.id))
