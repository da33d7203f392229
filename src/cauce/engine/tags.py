"""`tags(...)`: a block whose new flow runs and task runs carry extra tags (`prefect.tags`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current_tags: ContextVar[frozenset[str]] = ContextVar("cauce_tags", default=frozenset())


@contextmanager
def tags(*new_tags: str) -> Iterator[set[str]]:
    """Add `new_tags` to every flow run and task run created inside the block; nested
    blocks add theirs to the outer ones'. Yields the tags now in effect."""
    current = _current_tags.get() | frozenset(new_tags)
    token = _current_tags.set(current)
    try:
        yield set(current)
    finally:
        _current_tags.reset(token)


def run_tags(own: Iterable[str]) -> list[str]:
    """A new run's tags: its flow's or task's own plus those of the enclosing `tags()`."""
    extra = _current_tags.get()
    return sorted(extra.union(own)) if extra else list(own)
