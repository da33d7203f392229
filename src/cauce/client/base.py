"""The client interface: the same verbs as the orchestration core and, later, the API."""

from __future__ import annotations

import uuid
from typing import Protocol

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult
from cauce.schemas.task_runs import TaskRun
from cauce.states import State


class ClientError(Exception):
    """A client could not do what was asked; the message says what and why."""


class NotFound(ClientError):
    """The run, flow or other object asked for does not exist."""


class ServerUnreachable(ClientError):
    """The server did not answer for the whole retry budget (CAUCE_API_RETRY_TIMEOUT)."""


class CauceClient(Protocol):
    """Records and reads runs. Embedded (in-process database) or HTTP (a server)."""

    def create_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        """Record a new flow run (its id is chosen by the caller) with its first state."""

    def set_flow_run_state(
        self, flow_run_id: uuid.UUID, state: State, force: bool = False
    ) -> SetStateResult:
        """Propose a state for a flow run; the core's rules decide."""

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
    ) -> None:
        """Record task runs as they are now, their new states and log lines, all or nothing."""

    def close(self) -> None:
        """Release connections."""
