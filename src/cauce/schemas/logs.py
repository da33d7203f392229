"""A log line of a run."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class LogEntry:
    """One record sent by a run's logger, kept with the run it belongs to."""

    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None
    name: str
    level: int
    message: str
    timestamp: datetime
