"""`.map()`: which task runs one call makes, one per position of its iterable arguments.

Pure, and imported by tasks.py at import time (for `unmapped`), so it imports only the
pure annotations.
"""

from __future__ import annotations

from typing import Any

from cauce.utilities.annotations import BaseAnnotation, unmapped

__all__ = ["mapped_parameters", "unmapped"]


def mapped_parameters(task_name: str, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """The parameters of each mapped run; ValueError when there is nothing to map over
    or the iterables differ in length.

    An `allow_failure` or `quote` around an iterable maps over its items, each wrapped
    again, as in Prefect.
    """
    static: dict[str, Any] = {}
    iterables: dict[str, list[Any]] = {}
    for name, value in bound.items():
        if isinstance(value, unmapped):
            static[name] = value.value
        elif isinstance(value, BaseAnnotation) and _is_iterable(value.value):
            iterables[name] = [value.rewrap(item) for item in value.value]
        elif not isinstance(value, BaseAnnotation) and _is_iterable(value):
            iterables[name] = list(value)
        else:
            static[name] = value
    if not iterables:
        raise ValueError(f"{task_name}.map() needs at least one iterable argument")
    lengths = {len(v) for v in iterables.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{name}={len(v)}" for name, v in iterables.items())
        raise ValueError(f"{task_name}.map() got iterables of different lengths: {sizes}")
    return [
        {name: iterables[name][index] if name in iterables else static[name] for name in bound}
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
