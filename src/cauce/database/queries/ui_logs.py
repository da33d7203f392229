"""A run's log lines as its web page shows them: a page at a time, each with its source."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from cauce.database.queries.logs import select_logs
from cauce.database.tables import task_runs
from cauce.schemas.logs import LogEntry


@dataclass(frozen=True, slots=True)
class LogPage:
    """Up to a page of a run's log lines after a cursor, and where the next page starts."""

    lines: list[LogEntry]
    cursor: int
    """The id of the last line here; the cursor asked with when there are none."""
    more: bool
    """Whether lines past this page were already recorded."""
    sources: dict[uuid.UUID, str] = field(default_factory=dict)
    """The name of each task run that logged a line here."""


def select_log_page(
    connection: Connection, flow_run_id: uuid.UUID, min_level: int, after_id: int, size: int
) -> LogPage:
    """The run's lines at or above `min_level` with ids past `after_id`, at most `size`."""
    # One line more than the page tells whether another page follows.
    rows = select_logs(connection, flow_run_id, min_level, after_id, size + 1)
    page = rows[:size]
    ids = {entry.task_run_id for _, entry in page if entry.task_run_id is not None}
    sources: dict[uuid.UUID, str] = {}
    if ids:
        named = connection.execute(
            select(task_runs.c.id, task_runs.c.name).where(task_runs.c.id.in_(ids))
        )
        sources = {row.id: row.name for row in named}
    cursor = page[-1][0] if page else after_id
    return LogPage([entry for _, entry in page], cursor, len(rows) > size, sources)
