"""What makes a runtime module read by attribute: `flow_run.name` calls its getter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def attribute_reader(module: str, getters: dict[str, Callable[[], Any]]) -> Callable[[str], Any]:
    """A module `__getattr__` answering each name in `getters` with its getter's value."""

    def read(name: str) -> Any:
        getter = getters.get(name)
        if getter is None:
            raise AttributeError(f"{module} has no attribute {name!r}")
        return getter()

    return read
