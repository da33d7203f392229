"""A flow run as stored and read back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cauce.states import State, StateType, now_utc


@dataclass(slots=True)
class FlowRun:
    """One execution of a flow: its name, parameters, place in a tree of runs, and state."""

    id: uuid.UUID
    flow_name: str
    name: str
    state: State
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    parent_task_run_id: uuid.UUID | None = None
    run_count: int = 0
    start_time: datetime | None = None
    end_time: datetime | None = None
    created: datetime = field(default_factory=now_utc)
    deployment_id: uuid.UUID | None = None
    expected_start_time: datetime | None = None
    """When the run was meant to start, for a run made from a deployment."""
    auto_scheduled: bool = False
    """Made by the scheduler from one of the deployment's schedules."""
    deployment_schedule_id: uuid.UUID | None = None
    """The schedule that made it, for an auto-scheduled run (None for older ones)."""
    host: str | None = None
    """The machine whose process runs it, and that process's id."""
    pid: int | None = None
    worker_id: uuid.UUID | None = None
    """The worker that claimed it, if one did."""
    heartbeat: datetime | None = None
    """When its process last said it was alive (processes recording through a server)."""

    @property
    def state_type(self) -> StateType:
        """Its current state's type (Prefect's FlowRun.state_type)."""
        return self.state.type

    @property
    def state_name(self) -> str:
        """Its current state's name (Prefect's FlowRun.state_name)."""
        return self.state.name


class FlowRunSort(StrEnum):
    """The orders flow runs can be read in (the names Prefect's API uses, where it has them)."""

    CREATED_DESC = "CREATED_DESC"
    CREATED_ASC = "CREATED_ASC"
    START_TIME_DESC = "START_TIME_DESC"
    START_TIME_ASC = "START_TIME_ASC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    # Runs waiting to start by when they are due, soonest first; runs with no time last.
    NEXT_SCHEDULED_START_TIME_ASC = "NEXT_SCHEDULED_START_TIME_ASC"


FlowRunCursor = tuple[datetime, uuid.UUID]
"""Where a page of flow runs ends: its last run's (created, id), the list's sort key."""


@dataclass(slots=True)
class FlowRunFilter:
    """Which flow runs to read, in which order (newest first unless `sort` says otherwise)."""

    state_types: list[str] | None = None
    state_names: list[str] | None = None
    flow_name: str | None = None
    parent_task_run_id: uuid.UUID | None = None
    deployment_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0
    sort: FlowRunSort = FlowRunSort.CREATED_DESC
    tag: str | None = None
    """Only runs carrying exactly this tag."""
    name_like: str | None = None
    """Only runs whose name contains this text, ignoring case (ASCII case only on SQLite)."""
    start_after: datetime | None = None
    """Only runs expected to start at or after this time (inclusive). A run not made from a
    deployment is expected to start when it was created."""
    start_before: datetime | None = None
    """Only runs expected to start before this time (exclusive)."""
    before: FlowRunCursor | None = None
    """Keyset paging: only runs older than this (created, id), i.e. after it newest first."""
    after: FlowRunCursor | None = None
    """Keyset paging: only runs newer than this (created, id); the `limit` nearest to it are
    read, still returned in the filter's order. Paging by `before`/`after` follows
    CREATED_DESC, the order the cursor is made from."""
