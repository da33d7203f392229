"""The objects `get_client()` returns, under the names Prefect users import them from
`prefect.client.schemas.objects`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.flows import Flow
from cauce.schemas.task_runs import TaskRun
from cauce.schemas.variables import StoredVariable as Variable
from cauce.states import State, StateType

__all__ = [
    "Deployment",
    "Flow",
    "FlowRun",
    "Log",
    "State",
    "StateType",
    "TaskRun",
    "Variable",
    "WorkPool",
]


@dataclass(frozen=True, kw_only=True)
class Log:
    """One log line of a run, as `client.read_logs(...)` gives it: the logger's `name`,
    its `level` (logging.INFO is 20), `message` and `timestamp`, and the runs it came
    from (`task_run_id` None for the flow's own lines)."""

    id: uuid.UUID
    name: str
    level: int
    message: str
    timestamp: datetime
    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None
