"""The wire models of the worker, cancellation, crash and watchdog routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BeforeValidator, Field, StrictBool

from cauce.schemas.api import ProcessId, UtcDatetime, WireInt, _WireModel
from cauce.schemas.api_deployments import _json_number
from cauce.schemas.workers import WatchdogAction, Worker, WorkerHeartbeat

_NAME = 255


class WorkerHeartbeatRequest(_WireModel):
    """A worker's heartbeat: who and where it is, and the runs it is running."""

    pool_name: str = Field(min_length=1, max_length=_NAME)
    name: str = Field(min_length=1, max_length=_NAME)
    host: str = Field(min_length=1, max_length=_NAME)
    pid: ProcessId
    flow_run_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)


class WorkerHeartbeatModel(_WireModel):
    """The worker's id, and which of its runs to stop."""

    worker_id: uuid.UUID
    stop: list[uuid.UUID]

    def to_domain(self) -> WorkerHeartbeat:
        """The dataclass."""
        return self._to(WorkerHeartbeat)


class WorkerStopped(_WireModel):
    """A worker leaving on its own."""

    worker_id: uuid.UUID


class ClaimRequest(_WireModel):
    """Claim up to `most` due runs of a pool (of those deployments, if given) for a worker.
    `deployment_id`: one deployment, as clients before `deployment_ids` send it."""

    pool_name: str = Field(min_length=1, max_length=_NAME)
    worker_id: uuid.UUID
    most: WireInt = Field(ge=0, le=1000)
    prefetch_seconds: Annotated[
        float, Field(ge=0, le=86_400, allow_inf_nan=False), BeforeValidator(_json_number)
    ] = 0.0
    deployment_id: uuid.UUID | None = None
    deployment_ids: list[uuid.UUID] | None = Field(None, max_length=1000)
    wait_seconds: Annotated[
        float, Field(ge=0, le=10, allow_inf_nan=False), BeforeValidator(_json_number)
    ] = 0.0
    """With none due, wait up to this long for the server to make one."""

    @property
    def only_deployments(self) -> list[uuid.UUID] | None:
        """The deployments whose runs to claim; None: every deployment of the pool."""
        if self.deployment_ids is not None:
            return self.deployment_ids
        return None if self.deployment_id is None else [self.deployment_id]


class WorkerModel(_WireModel):
    """A worker as its last heartbeat left it."""

    id: uuid.UUID
    pool_name: str
    name: str
    host: str
    pid: int
    started: UtcDatetime
    last_heartbeat: UtcDatetime
    stopped: UtcDatetime | None
    runs_in_progress: int

    def to_domain(self) -> Worker:
        """The dataclass."""
        return self._to(Worker)


class ProcessHeartbeat(_WireModel):
    """A flow run process saying it is alive."""

    flow_run_ids: list[uuid.UUID] = Field(max_length=10_000)
    host: str = Field(min_length=1, max_length=_NAME)
    pid: ProcessId


class ReasonRequest(_WireModel):
    """Why a run is crashed or cancelled, in words shown as its state's message."""

    reason: str = Field(min_length=1, max_length=10_000)


_A_YEAR_IN_SECONDS = 366 * 24 * 3600


class RetryPolicy(_WireModel):
    """A flow's retries and the delay before the run's next attempt, as its process knows
    them: a deployment's run that crashes with retries left is scheduled again."""

    retries: int = Field(ge=0, le=1_000_000)
    retry_delay_seconds: float = Field(ge=0, le=_A_YEAR_IN_SECONDS, allow_inf_nan=False)


class WatchdogRunRequest(_WireModel):
    """One watchdog pass; `dry_run` only reports."""

    dry_run: StrictBool = False


class WatchdogActionModel(_WireModel):
    """A run the watchdog cancelled, or would cancel."""

    flow_run_id: uuid.UUID
    flow_run_name: str
    flow_name: str
    state_name: str
    rule: str
    overdue_seconds: float
    message: str

    def to_domain(self) -> WatchdogAction:
        """The dataclass."""
        return self._to(WatchdogAction)
