"""Create a new SQLite database at the head schema without importing Alembic or SQLAlchemy.

The DDL is compiled from tables.py into sqlite_compiled.py; a test checks that
a database made this way is identical to one built by the migrations. Existing
databases at an older revision are still migrated by Alembic.
"""

from __future__ import annotations

import sqlite3

from cauce.database.migrations import HEAD_REVISION
from cauce.database.recording.sqlite_compiled import SCHEMA
from cauce.database.recording.sqlite_connection import write_transaction


def revision(connection: sqlite3.Connection) -> str | None:
    """The recorded schema revision, or None when the database has none."""
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def is_empty(connection: sqlite3.Connection) -> bool:
    """Whether the database has no tables at all."""
    row = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return bool(row[0] == 0)


def create(connection: sqlite3.Connection) -> None:
    """Create every table at the head revision (inside the caller's transaction)."""
    for statement in SCHEMA:
        connection.execute(statement)
    connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_REVISION,))


def create_if_new(connection: sqlite3.Connection) -> str | None:
    """Give an empty database the head schema; the revision the database is then at."""
    with write_transaction(connection):
        current = revision(connection)
        if current is None and is_empty(connection):
            create(connection)
            current = HEAD_REVISION
    return current
