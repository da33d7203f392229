"""What a Prefect script hands `get_client()` to make or change a variable, as
`prefect.client.schemas.actions`:

    await client.create_variable(VariableCreate(name="limit", value=10, tags=["ops"]))
    await client.update_variable(VariableUpdate(name="limit", value=20))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["VariableCreate", "VariableUpdate"]

_UNSET: Any = object()


@dataclass(kw_only=True)
class VariableCreate:
    """A new variable: its `name` (lowercase letters, digits, `_` and `-`), its JSON
    `value` and its tags."""

    name: str
    value: Any
    tags: list[str] | None = None


class VariableUpdate:
    """A change to the variable `name`: its `value` if given (None included), its
    `tags` if not None; what is not given stays."""

    def __init__(
        self, *, name: str | None = None, value: Any = _UNSET, tags: list[str] | None = None
    ) -> None:
        self.name = name
        self.value = None if value is _UNSET else value
        self.tags = tags
        self.changes: dict[str, Any] = {} if value is _UNSET else {"value": value}
        """What the update changes (Prefect sends only the fields given)."""
        if tags is not None:
            self.changes["tags"] = tags

    def __repr__(self) -> str:
        return f"VariableUpdate(name={self.name!r}, value={self.value!r}, tags={self.tags!r})"
