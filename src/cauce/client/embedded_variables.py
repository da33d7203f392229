"""The embedded client's verbs for variables.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing.
They go through the core on SQLAlchemy: variables are read by a flow's code, not
on the per-task path.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cauce.schemas.variables import StoredVariable, VariableFilter

if TYPE_CHECKING:
    from sqlalchemy import Connection


class EmbeddedVariableVerbs:
    """Variables in the in-process database."""

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def create_variable(self, variable: StoredVariable) -> StoredVariable:
        from cauce.orchestration.variables import create_variable

        with self._core() as connection:
            return create_variable(connection, variable)

    def read_variable(self, name: str) -> StoredVariable:
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
