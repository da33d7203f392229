"""Events: read newest first, by name prefix and time. They are written by the recording
statement `insert_event` (orchestration/events.py), which flows use on SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from cauce.database.tables import events
from cauce.schemas.events import EventFilter, StoredEvent


def _event_from_row(row: Row[Any]) -> StoredEvent:
    return StoredEvent(
        id=row.id,
        occurred=row.occurred,
        event=row.event,
        resource=dict(row.resource),
        related=[dict(related) for related in row.related],
        payload=dict(row.payload),
        received=row.received,
    )


def select_events(connection: Connection, where: EventFilter) -> list[StoredEvent]:
    """The events matching `where`, newest first (by when they occurred)."""
    query = select(events).order_by(events.c.occurred.desc(), events.c.id.desc())
    if where.prefix:
        query = query.where(events.c.event.startswith(where.prefix, autoescape=True))
    if where.since is not None:
        query = query.where(events.c.occurred >= where.since)
    return [_event_from_row(row) for row in connection.execute(query.limit(where.limit))]
