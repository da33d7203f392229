"""Log lines of runs."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select

from cauce.database.tables import logs
from cauce.schemas.logs import LogEntry


def select_logs(
    connection: Connection,
    flow_run_id: uuid.UUID,
    min_level: int = 0,
    after_id: int = 0,
    limit: int = 1000,
) -> list[tuple[int, LogEntry]]:
    """A run's log lines at or above `min_level`, in order, with their ids for paging."""
    rows = connection.execute(
        select(logs)
        .where(logs.c.flow_run_id == flow_run_id, logs.c.level >= min_level, logs.c.id > after_id)
        .order_by(logs.c.id)
        .limit(limit)
    )
    return [
        (
            row.id,
            LogEntry(
                row.flow_run_id,
                row.task_run_id,
                row.name,
                row.level,
                row.message,
                row.timestamp,
                row.uid,
            ),
        )
        for row in rows
    ]
