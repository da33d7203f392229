"""The client interface: the same verbs as the orchestration core and, later, the API."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from cauce.schemas.artifacts import ArtifactFilter, StoredArtifact
from cauce.schemas.blocks import StoredBlockDocument
from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.events import EventFilter, StoredEvent
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult
from cauce.schemas.task_runs import TaskRun
from cauce.schemas.variables import StoredVariable, VariableFilter
from cauce.schemas.workers import WatchdogAction, Worker, WorkerHeartbeat
from cauce.states import State


class ClientError(Exception):
    """A client could not do what was asked; the message says what and why."""


class NotFound(ClientError):
    """The run, flow or other object asked for does not exist."""


class AlreadyExists(ClientError):
    """The work pool, variable or concurrency limit to create has a name already taken;
    nothing was created (Prefect's ObjectAlreadyExists)."""


class ServerUnreachable(ClientError):
    """The server did not answer for the whole retry budget (CAUCE_API_RETRY_TIMEOUT)."""


class StoreBusy(ClientError):
    """Another process is writing the store, and the caller asked not to wait for it."""


class SlotsTaken(ClientError):
    """A concurrency limit has no room for the slots asked for now (HTTP 423)."""


class CauceClient(Protocol):
    """Records and reads runs. Embedded (in-process database) or HTTP (a server)."""

    def create_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        """Record a new flow run (its id is chosen by the caller) with its first state."""

    def set_flow_run_state(
        self,
        flow_run_id: uuid.UUID,
        state: State,
        force: bool = False,
        expected_state_id: uuid.UUID | None = None,
    ) -> SetStateResult:
        """Propose a state for a flow run; the core's rules decide. With
        `expected_state_id` (the state the caller saw the run in) the proposal is stale,
        and refused, if the run has moved on since."""

    def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun:
        """One flow run; raises NotFound."""

    def read_flow_runs(self, where: FlowRunFilter) -> list[FlowRun]:
        """Flow runs matching `where`, newest first."""

    def read_subflow_runs(self, flow_run_id: uuid.UUID) -> list[FlowRun]:
        """Flow runs started inside `flow_run_id`, oldest first."""

    def read_flow_run_states(self, flow_run_id: uuid.UUID) -> list[State]:
        """A flow run's state history, oldest first."""

    def delete_flow_run(self, flow_run_id: uuid.UUID) -> None:
        """Delete a flow run with everything recorded under it; raises NotFound."""

    def read_flows(self) -> list[Flow]:
        """Every recorded flow, by name."""

    def read_task_runs(self, flow_run_id: uuid.UUID) -> list[TaskRun]:
        """The task runs of a flow run, in creation order."""

    def read_task_run_states(self, task_run_id: uuid.UUID) -> list[State]:
        """A task run's state history, oldest first."""

    def read_logs(
        self, flow_run_id: uuid.UUID, min_level: int = 0, after_id: int = 0, limit: int = 1000
    ) -> list[tuple[int, LogEntry]]:
        """A flow run's log lines with their ids, for paging with `after_id`."""

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
        engine_decided: bool = False,
        wait: bool = True,
    ) -> None:
        """Record task runs as they are now, their new states and log lines, all or nothing.

        `seen_state_ids`: for a task run already recorded, the state its first new state
        here was made from; a proposal made from a state no longer current is dropped.
        `engine_decided`: this process's engine accepted each state against the one
        before it (the batch writer's batches); a store in this process may then skip
        deciding those again. A server decides every state it is sent.
        `wait`: False raises StoreBusy, having written nothing, instead of waiting while
        another process writes the embedded SQLite file (a server never makes a client
        wait so)."""

    def create_work_pool(self, pool: WorkPool) -> WorkPool:
        """Record a new work pool; ClientError when the name is taken."""

    def read_work_pool(self, name: str) -> WorkPool:
        """One work pool; raises NotFound."""

    def read_work_pools(self) -> list[WorkPool]:
        """Every work pool, by name."""

    def update_work_pool(
        self,
        name: str,
        *,
        is_paused: bool | None = None,
        concurrency_limit: int | None = None,
        clear_concurrency_limit: bool = False,
        description: str | None = None,
    ) -> WorkPool:
        """Pause, resume or change a pool; the pool afterwards."""

    def delete_work_pool(self, name: str) -> None:
        """Delete a pool no deployment uses; raises NotFound, or ClientError if in use."""

    def apply_deployment(self, deployment: Deployment) -> Deployment:
        """Create the deployment, or replace the one of the same flow and name; its
        upcoming scheduled runs are made at once. The deployment as stored."""

    def read_deployment(self, deployment_id: uuid.UUID) -> Deployment:
        """One deployment with its schedules; raises NotFound."""

    def read_deployment_by_name(self, full_name: str) -> Deployment:
        """The deployment named `flow-name/deployment-name`; raises NotFound."""

    def read_deployments(self) -> list[Deployment]:
        """Every deployment with its schedules, by flow and name."""

    def set_deployment_paused(self, deployment_id: uuid.UUID, is_paused: bool) -> Deployment:
        """Pause a deployment (its future scheduled runs go) or resume it."""

    def delete_deployment(self, deployment_id: uuid.UUID) -> int:
        """Delete a deployment with its schedules and its future Scheduled runs; how many
        runs went. Its other runs (its history) stay, no longer linked to it."""

    def add_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule: DeploymentSchedule
    ) -> Deployment:
        """Add a schedule to a deployment; the deployment afterwards."""

    def set_deployment_schedule_active(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID, is_active: bool
    ) -> Deployment:
        """Pause or resume one schedule of a deployment; the deployment afterwards."""

    def delete_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID
    ) -> Deployment:
        """Remove one schedule of a deployment; the deployment afterwards."""

    def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID,
        parameters: dict[str, Any] | None = None,
        scheduled_time: datetime | None = None,
        tags: list[str] | None = None,
    ) -> FlowRun:
        """A run of the deployment, Scheduled for `scheduled_time` (now when omitted);
        ClientError naming a parameter the flow refuses."""

    def worker_heartbeat(
        self, pool_name: str, name: str, host: str, pid: int, flow_run_ids: list[uuid.UUID]
    ) -> WorkerHeartbeat:
        """The worker `name` of the pool is alive, running these runs; which to stop.
        NotFound if the pool does not exist."""

    def worker_stopped(self, worker_id: uuid.UUID) -> None:
        """The worker left on its own."""

    def claim_flow_runs(
        self,
        pool_name: str,
        worker_id: uuid.UUID,
        most: int,
        prefetch_seconds: float = 0.0,
        deployment_ids: Sequence[uuid.UUID] | None = None,
        wait_seconds: float = 0.0,
    ) -> list[FlowRun]:
        """Claim up to `most` due runs of the pool (of those deployments, if given) for the
        worker: each once, soonest first, now Pending. With none due, a server waits up
        to `wait_seconds` for one to be made (a long poll); the embedded store does not."""

    def read_workers(self, pool_name: str | None = None) -> list[Worker]:
        """Every worker, or those of one pool."""

    def flow_run_heartbeat(
        self, flow_run_ids: list[uuid.UUID], host: str, pid: int
    ) -> list[uuid.UUID]:
        """These runs' process (`pid` on `host`) is alive; those of them to stop."""

    def crash_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> bool:
        """End an unfinished run Crashed (Cancelled if it was being cancelled), its
        unfinished task runs too; False if it had ended already."""

    def set_flow_run_retries(
        self, flow_run_id: uuid.UUID, retries: int, retry_delay_seconds: float
    ) -> None:
        """Record the run's flow's retries and the delay before its next attempt, so that
        if its process dies the run is retried rather than Crashed. NotFound for no run."""

    def cancel_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> FlowRun:
        """Cancel the run: Cancelled if it had not started, else Cancelling until its
        process is stopped. ClientError if it has ended."""

    def update_flow_run(
        self, flow_run_id: uuid.UUID, name: str | None = None, tags: list[str] | None = None
    ) -> FlowRun:
        """Rename the run and/or replace its tags (None: unchanged); the run after."""

    def resume_flow_run(
        self, flow_run_id: uuid.UUID, run_input: dict[str, Any] | None = None
    ) -> FlowRun:
        """Resume the paused run (its process goes on), with `run_input` when it waits
        for input; the run after. ClientError if it is not paused, or the input is
        missing or refused."""

    def run_watchdog(self, dry_run: bool = False) -> list[WatchdogAction]:
        """One watchdog pass with the settings of whoever runs it (the server's, or
        this process's when embedded); what it cancelled or, dry, would cancel."""

    def create_variable(self, variable: StoredVariable) -> StoredVariable:
        """Record a new variable; ClientError naming what is wrong with its name or
        value, or saying the name is taken."""

    def read_variable(self, name: str) -> StoredVariable:
        """The variable named `name`; raises NotFound."""

    def read_variables(self, where: VariableFilter | None = None) -> list[StoredVariable]:
        """The variables matching `where` (all of them by default), by name."""

    def update_variable(self, name: str, changes: dict[str, Any]) -> None:
        """Change the variable's `value`, `tags` or `name` (the keys of `changes`);
        raises NotFound."""

    def delete_variable(self, name: str) -> None:
        """Delete the variable named `name`; raises NotFound."""

    def create_artifact(self, artifact: StoredArtifact) -> StoredArtifact:
        """Record a new artifact (with a key that exists: its new version); ClientError
        naming what is wrong with its key or data."""

    def read_artifact(self, artifact_id: uuid.UUID) -> StoredArtifact:
        """The artifact with this id; raises NotFound."""

    def read_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        """Every version of the artifacts matching `where` (all by default), newest first."""

    def read_latest_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        """The latest version of each key among the artifacts matching `where`."""

    def read_latest_artifact(self, key: str) -> StoredArtifact:
        """The latest version of the artifact `key`; raises NotFound."""

    def update_artifact(self, artifact_id: uuid.UUID, changes: dict[str, Any]) -> None:
        """Change the artifact's `data` or `description` (the keys of `changes`);
        raises NotFound."""

    def delete_artifact(self, artifact_id: uuid.UUID) -> None:
        """Delete the artifact (this version only); raises NotFound."""

    def create_concurrency_limit(self, limit: StoredConcurrencyLimit) -> StoredConcurrencyLimit:
        """Record a new global concurrency limit; ClientError if its name is taken or bad."""

    def read_concurrency_limit(self, id_or_name: str) -> StoredConcurrencyLimit:
        """The concurrency limit with this id or name; raises NotFound."""

    def read_concurrency_limits(
        self, offset: int = 0, limit: int | None = None
    ) -> list[StoredConcurrencyLimit]:
        """The concurrency limits, by name."""

    def update_concurrency_limit(self, id_or_name: str, changes: dict[str, Any]) -> None:
        """Change the limit's `name`, `limit`, `active`, `active_slots` or
        `slot_decay_per_second` (the keys of `changes`); raises NotFound."""

    def delete_concurrency_limit(self, id_or_name: str) -> None:
        """Delete the concurrency limit; raises NotFound."""

    def acquire_concurrency_slots(
        self, names: list[str], slots: int, mode: SlotMode, strict: bool
    ) -> list[str] | None:
        """Take `slots` of each active limit named, all or none; the names of the limits
        that exist, or None when one has no room now. With `strict`, a name with no
        limit raises NotFound."""

    def release_concurrency_slots(self, names: list[str], slots: int) -> None:
        """Give back `slots` of each active limit named."""

    def save_block_document(
        self, document: StoredBlockDocument, overwrite: bool = False
    ) -> StoredBlockDocument:
        """Record a block document; the document as stored. Its slug and name taken:
        AlreadyExists, unless `overwrite`, when its data is replaced."""

    def read_block_document(self, slug: str, name: str) -> StoredBlockDocument:
        """The block document `slug/name`; raises NotFound naming it."""

    def read_block_documents(self, slug: str | None = None) -> list[StoredBlockDocument]:
        """The block documents (of the block type `slug` only, when given), by slug and name."""

    def delete_block_document(self, slug: str, name: str) -> None:
        """Delete the block document `slug/name`; raises NotFound naming it."""

    def emit_events(self, emitted: list[StoredEvent]) -> list[StoredEvent]:
        """Record events (one already recorded, by id, is kept once); the events as sent.
        Raises ClientError naming what is wrong with the first bad one, recording none."""

    def read_events(self, where: EventFilter | None = None) -> list[StoredEvent]:
        """The events matching `where`, newest first (the 100 newest when not given)."""

    def close(self) -> None:
        """Release connections."""
