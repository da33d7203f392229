"""Events: recorded as emitted (the same id twice is kept once) and read back newest
first. Both the embedded client and the server's routes go through these functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cauce.database.recording.columns import EVENT_COLUMNS
from cauce.orchestration.errors import InvalidRequest
from cauce.schemas.events import EventFilter, StoredEvent, event_problem
from cauce.states import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.recording.executors import StatementExecutor

MAX_LIMIT = 10_000


def emit_events(
    executor: StatementExecutor, emitted: list[StoredEvent], now: datetime | None = None
) -> list[StoredEvent]:
    """Record `emitted`, received at `now`; InvalidRequest naming what is wrong with the
    first bad one, before any is recorded."""
    for event in emitted:
        problem = event_problem(event)
        if problem:
            raise InvalidRequest(f"event {event.event!r}: {problem}")
    received = now or now_utc()
    for event in emitted:
        event.received = received
        executor.execute("insert_event", {name: getattr(event, name) for name in EVENT_COLUMNS})
    return emitted


def read_events(connection: Connection, where: EventFilter) -> list[StoredEvent]:
    """The events matching `where`, newest first; InvalidRequest for a bad limit."""
    from cauce.database.queries.events import select_events

    if not 0 <= where.limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be 0 to {MAX_LIMIT}, not {where.limit}")
    return select_events(connection, where)
