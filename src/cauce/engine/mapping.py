"""`.map()`: which task runs one call makes, one per position of its iterable arguments.

Pure, and imported by tasks.py at import time (for `unmapped`), so it imports nothing.
"""

from __future__ import annotations

from typing import Any


class unmapped:
    """Wrap an argument of `.map()` that every mapped run gets whole, not item by item."""

    def __init__(self, value: Any) -> None:
        self.value = value


def mapped_parameters(task_name: str, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """The parameters of each mapped run; ValueError when there is nothing to map over
    or the iterables differ in length."""
    iterables = {
        name: list(value)
        for name, value in bound.items()
        if not isinstance(value, unmapped) and _is_iterable(value)
    }
    if not iterables:
        raise ValueError(f"{task_name}.map() needs at least one iterable argument")
    lengths = {len(v) for v in iterables.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{name}={len(v)}" for name, v in iterables.items())
        raise ValueError(f"{task_name}.map() got iterables of different lengths: {sizes}")
    return [
        {
            name: iterables[name][index]
            if name in iterables
            else (value.value if isinstance(value, unmapped) else value)
            for name, value in bound.items()
        }
        for index in range(lengths.pop())
    ]


def _is_iterable(value: Any) -> bool:
    if isinstance(value, str | bytes | dict):
        return False
    try:
        iter(value)
    except TypeError:
        return False
    return True
