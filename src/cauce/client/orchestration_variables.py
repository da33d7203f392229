"""Variables through `get_client()`, as Prefect's client calls them:

    await client.create_variable(VariableCreate(name="limit", value=10))
    variable = await client.read_variable_by_name("limit")   # None if there is none
    await client.update_variable(VariableUpdate(name="limit", value=20))
    await client.delete_variable_by_name("limit")

The objects read are Prefect's `Variable` fields: id, name, value, tags, created and
updated. Names and values are checked by the store, with Prefect's rules.
"""

from __future__ import annotations

from cauce.client.base import CauceClient, NotFound
from cauce.client.schemas.actions import VariableCreate, VariableUpdate
from cauce.schemas.variables import StoredVariable, VariableFilter


class VariableCalls:
    """The SyncOrchestrationClient's calls on variables."""

    _store: CauceClient

    def create_variable(self, variable: VariableCreate) -> StoredVariable:
        """Record a new variable; ObjectAlreadyExists if its name is taken."""
        made = StoredVariable(variable.name, variable.value, list(variable.tags or []))
        return self._store.create_variable(made)

    def read_variable_by_name(self, name: str) -> StoredVariable | None:
        """The variable named `name`, or None if there is none."""
        try:
            return self._store.read_variable(name)
        except NotFound:
            return None

    def read_variables(self, limit: int | None = None) -> list[StoredVariable]:
        """The variables, by name; at most `limit` of them."""
        return self._store.read_variables(VariableFilter(limit=limit))

    def update_variable(self, variable: VariableUpdate) -> None:
        """Change the value and/or tags of the variable `variable.name`; ObjectNotFound
        if there is none."""
        if variable.name is None:
            raise ValueError("update_variable: VariableUpdate needs the name of the variable")
        if variable.changes:
            self._store.update_variable(variable.name, variable.changes)
        else:
            self._store.read_variable(variable.name)

    def delete_variable_by_name(self, name: str) -> None:
        """Delete the variable named `name`; ObjectNotFound if there is none."""
        self._store.delete_variable(name)
