"""A new run's tags: its own and those of the enclosing `tags(...)` blocks (`prefect.tags`,
kept in cauce.context as Prefect keeps it in prefect.context)."""

from __future__ import annotations

from collections.abc import Iterable

from cauce.context import tags, tags_in_effect

__all__ = ["run_tags", "tags"]


def run_tags(own: Iterable[str]) -> list[str]:
    """A new run's tags: its flow's or task's own plus those of the enclosing `tags()`."""
    extra = tags_in_effect()
    return sorted(extra.union(own)) if extra else list(own)
