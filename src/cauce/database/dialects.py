"""The few statements that differ between SQLite and PostgreSQL, side by side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(connection: Connection, table: Table, values: dict[str, Any]) -> None:
    """INSERT a row unless one with the same unique key exists (ON CONFLICT DO NOTHING)."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(module.insert(table).values(values).on_conflict_do_nothing())


def lock_rows(connection: Connection, query: Select[Any]) -> Select[Any]:
    """`query` taking row locks: FOR UPDATE on PostgreSQL.

    SQLite needs none: cauce begins every SQLite transaction with BEGIN IMMEDIATE,
    which already holds the database's write lock.
    """
    return query.with_for_update() if connection.dialect.name == "postgresql" else query


def upsert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows, replacing every column but the key of rows whose id exists already."""
    if not rows:
        return
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = module.insert(table)
    replaced = {name: statement.excluded[name] for name in rows[0] if name != "id"}
    connection.execute(statement.on_conflict_do_update(index_elements=["id"], set_=replaced), rows)
