"""Variables: named JSON values kept by cauce and read by flows at run time.

`Variable.get / set / unset` (and `aget / aset / aunset` for async code) are
Prefect 3's: the same names, arguments, return values and the same ValueError for
setting a name that exists without `overwrite=True`. They go to the store the
runs go to: the embedded database, or the server at CAUCE_API_URL. The rules on
names and values are the core's (orchestration/variables.py); a refusal arrives
as a ClientError naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from cauce.client.base import NotFound

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

JsonValue: TypeAlias = str | int | float | bool | None | list[Any] | dict[str, Any]
"""What a variable holds."""


@dataclass
class Variable:
    """A variable: its name, its JSON value and its tags."""

    name: str
    value: JsonValue
    tags: list[str] = field(default_factory=list)

    @classmethod
    def get(cls, name: str, default: JsonValue = None) -> JsonValue:
        """The value of the variable `name`, or `default` when there is none."""
        try:
            value: JsonValue = _client().read_variable(name).value
        except NotFound:
            return default
        return value

    @classmethod
    def set(
        cls,
        name: str,
        value: JsonValue,
        tags: list[str] | None = None,
        overwrite: bool = False,
    ) -> Variable:
        """Give the variable `name` this value and tags; the variable as stored.

        A name that exists is a ValueError unless `overwrite` is true; then its value
        and tags are replaced (no tags given: it has none)."""
        from cauce.schemas.variables import StoredVariable

        client = _client()
        try:
            client.read_variable(name)
        except NotFound:
            stored = client.create_variable(StoredVariable(name, value, list(tags or [])))
            return cls(stored.name, stored.value, stored.tags)
        if not overwrite:
            raise ValueError(
                f"Variable {name!r} already exists. Use `overwrite=True` to update it."
            )
        client.update_variable(name, {"value": value, "tags": list(tags or [])})
        return cls(name, value, list(tags or []))

    @classmethod
    def unset(cls, name: str) -> bool:
        """Delete the variable `name`; whether there was one."""
        try:
            _client().delete_variable(name)
        except NotFound:
            return False
        return True

    @classmethod
    async def aget(cls, name: str, default: JsonValue = None) -> JsonValue:
        """`get` for async code (the store is called in a worker thread)."""
        import asyncio

        return await asyncio.to_thread(cls.get, name, default)

    @classmethod
    async def aset(
        cls,
        name: str,
        value: JsonValue,
        tags: list[str] | None = None,
        overwrite: bool = False,
    ) -> Variable:
        """`set` for async code."""
        import asyncio

        return await asyncio.to_thread(cls.set, name, value, tags, overwrite)

    @classmethod
    async def aunset(cls, name: str) -> bool:
        """`unset` for async code."""
        import asyncio

        return await asyncio.to_thread(cls.unset, name)


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
