"""Wrappers that tell the engine how to treat a task input (Prefect's
`prefect.utilities.annotations`): `unmapped`, `allow_failure` and `quote`.

Pure: the engine and tasks.py import it at import time.
"""

from __future__ import annotations

from typing import Generic, Self, TypeVar

T = TypeVar("T")

__all__ = ["BaseAnnotation", "allow_failure", "quote", "unmapped"]


class BaseAnnotation(Generic[T]):
    """A value wrapped to change how a task input is resolved or mapped."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def unwrap(self) -> T:
        """The wrapped value."""
        return self.value

    def rewrap(self, value: T) -> Self:
        """The same kind of wrapper around another value (one mapped item, say)."""
        return type(self)(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class unmapped(BaseAnnotation[T]):
    """Wrap an argument of `.map()` that every mapped run gets whole, not item by item."""


class allow_failure(BaseAnnotation[T]):
    """Wrap an upstream future or state whose failure must not stop the downstream run.

    The run starts anyway and receives the upstream result, or its exception when it
    did not complete. In `wait_for=` it makes the upstream an ordering-only dependency.
    """


class quote(BaseAnnotation[T]):
    """Wrap a task input that is passed as it is: futures and states inside it are
    neither waited for nor resolved, nor recorded as upstreams."""

    def unquote(self) -> T:
        """The wrapped value."""
        return self.value
