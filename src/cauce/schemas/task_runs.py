"""A task run as recorded in batches and read back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cauce.states import State, now_utc


@dataclass(slots=True)
class TaskRun:
    """One execution of a task inside a flow run.

    `task_inputs` maps each parameter to the ids of the task runs whose results
    it received: the recorded dependencies.
    """

    id: uuid.UUID
    flow_run_id: uuid.UUID | None
    task_name: str
    name: str
    state: State
    cache_key: str | None = None
    tags: list[str] = field(default_factory=list)
    task_inputs: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    run_count: int = 0
    start_time: datetime | None = None
    end_time: datetime | None = None
    created: datetime = field(default_factory=now_utc)
