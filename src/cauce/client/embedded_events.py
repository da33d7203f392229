"""The embedded client's verbs for events.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing.
Emitting goes through the recording statements, so that a flow on SQLite records an
event without importing SQLAlchemy; the core's refusal arrives as a ClientError.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from cauce.client.embedded_artifacts import core_refusals
from cauce.schemas.events import EventFilter, StoredEvent

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.recording.executors import StatementExecutor


class EmbeddedEventVerbs:
    """Events in the in-process database."""

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _recording(self) -> AbstractContextManager[StatementExecutor]:
        raise NotImplementedError

    def emit_events(self, emitted: list[StoredEvent]) -> list[StoredEvent]:
        from cauce.orchestration.events import emit_events

        with core_refusals(), self._recording() as executor:
            return emit_events(executor, emitted)

    def read_events(self, where: EventFilter | None = None) -> list[StoredEvent]:
        from cauce.orchestration.events import read_events

        with core_refusals(), self._core() as connection:
            return read_events(connection, where or EventFilter())
