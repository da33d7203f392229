"""Workers as stored and read back, and what a worker learns from each heartbeat."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

# A worker (or a run's process) silent for this many heartbeat periods is gone.
SILENT_HEARTBEATS = 3


@dataclass(slots=True)
class Worker:
    """A process polling a work pool for runs, as its last heartbeat left it."""

    id: uuid.UUID
    pool_name: str
    name: str
    host: str
    pid: int
    started: datetime
    last_heartbeat: datetime
    stopped: datetime | None = None
    runs_in_progress: int = 0

    def is_healthy(self, now: datetime, heartbeat_seconds: float) -> bool:
        """Still running and heard from within SILENT_HEARTBEATS periods."""
        silent = (now - self.last_heartbeat).total_seconds()
        return self.stopped is None and silent < SILENT_HEARTBEATS * heartbeat_seconds


@dataclass(slots=True)
class WorkerHeartbeat:
    """The answer to a worker's heartbeat: its id, and which of its runs to stop
    (cancelled, or ended by someone else) now."""

    worker_id: uuid.UUID
    stop: list[uuid.UUID] = field(default_factory=list)


@dataclass(slots=True)
class WatchdogAction:
    """A run the watchdog cancelled (or, dry, would cancel), and why."""

    flow_run_id: uuid.UUID
    flow_run_name: str
    flow_name: str
    state_name: str
    rule: str
    """"late" or "running"."""
    overdue_seconds: float
    message: str
