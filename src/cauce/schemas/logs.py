"""A log line of a run."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cauce.ids import new_id


@dataclass(slots=True)
class LogEntry:
    """One record sent by a run's logger, kept with the run it belongs to.

    `uid` is chosen where the line is made and stored unique, so a batch sent
    twice (a retried request whose answer was lost) records each line once.
    """

    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None
    name: str
    level: int
    message: str
    timestamp: datetime
    uid: uuid.UUID = field(default_factory=new_id)
