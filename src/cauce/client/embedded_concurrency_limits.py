"""The embedded client's verbs for global concurrency limits.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing. Each
verb is one function of orchestration/concurrency_limits.py in a transaction.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit

if TYPE_CHECKING:
    from sqlalchemy import Connection


class EmbeddedConcurrencyLimitVerbs:
    """Global concurrency limits in the in-process database."""

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def create_concurrency_limit(self, limit: StoredConcurrencyLimit) -> StoredConcurrencyLimit:
        from cauce.orchestration.concurrency_limits import create_limit

        with self._core() as connection:
            return create_limit(connection, limit)

    def read_concurrency_limit(self, id_or_name: str) -> StoredConcurrencyLimit:
        from cauce.orchestration.concurrency_limits import read_limit

        with self._core() as connection:
            return read_limit(connection, id_or_name)

    def read_concurrency_limits(
        self, offset: int = 0, limit: int | None = None
    ) -> list[StoredConcurrencyLimit]:
        from cauce.orchestration.concurrency_limits import read_limits

        with self._core() as connection:
            return read_limits(connection, offset, limit)

    def update_concurrency_limit(self, id_or_name: str, changes: dict[str, Any]) -> None:
        from cauce.orchestration.concurrency_limits import update_limit

        with self._core() as connection:
            update_limit(connection, id_or_name, changes)

    def delete_concurrency_limit(self, id_or_name: str) -> None:
        from cauce.orchestration.concurrency_limits import delete_limit

        with self._core() as connection:
            delete_limit(connection, id_or_name)

    def acquire_concurrency_slots(
        self, names: list[str], slots: int, mode: SlotMode, strict: bool
    ) -> list[str] | None:
        from cauce.orchestration.concurrency_limits import acquire_slots

        with self._core() as connection:
            found = acquire_slots(connection, names, slots, mode, strict)
        return None if found is None else [limit.name for limit in found]

    def release_concurrency_slots(self, names: list[str], slots: int) -> None:
        from cauce.orchestration.concurrency_limits import release_slots

        with self._core() as connection:
            release_slots(connection, names, slots)
