"""The embedded client's verbs for variables.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing.
They go through the core on SQLAlchemy, except reading one variable on SQLite:
flows do that (Variable.get), and a flow script imports no SQLAlchemy (the first
import costs more than a second of a small flow's run), so it runs the compiled
statement on the sqlite3 driver, as recording does.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cauce.client.base import NotFound
from cauce.database.recording.executors import SqliteExecutor
from cauce.schemas.variables import StoredVariable, VariableFilter

if TYPE_CHECKING:
    from sqlalchemy import Connection


class EmbeddedVariableVerbs:
    """Variables in the in-process database."""

    is_sqlite: bool

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _sqlite(self) -> sqlite3.Connection:
        raise NotImplementedError

    def create_variable(self, variable: StoredVariable) -> StoredVariable:
        from cauce.orchestration.variables import create_variable

        with self._core() as connection:
            return create_variable(connection, variable)

    def read_variable(self, name: str) -> StoredVariable:
        if self.is_sqlite:
            rows = SqliteExecutor(self._sqlite()).execute("select_variable", {"name": name})
            if not rows:
                raise NotFound(f"variable {name!r} does not exist")
            return StoredVariable(**{**rows[0], "value": json.loads(rows[0]["value"])})
        from cauce.orchestration.variables import read_variable

        with self._core() as connection:
            return read_variable(connection, name)

    def read_variables(self, where: VariableFilter | None = None) -> list[StoredVariable]:
        from cauce.orchestration.variables import read_variables

        with self._core() as connection:
            return read_variables(connection, where or VariableFilter())

    def update_variable(self, name: str, changes: dict[str, Any]) -> None:
        from cauce.orchestration.variables import update_variable

        with self._core() as connection:
            update_variable(connection, name, changes)

    def delete_variable(self, name: str) -> None:
        from cauce.orchestration.variables import delete_variable

        with self._core() as connection:
            delete_variable(connection, name)
