"""Work pools, deployments and their schedules, as stored and read back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cauce.ids import new_id
from cauce.states import now_utc


@dataclass(slots=True)
class WorkPool:
    """Where a deployment's runs wait for a worker: a named queue with its limits."""

    name: str
    type: str = "process"
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: int | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)


@dataclass(slots=True)
class DeploymentSchedule:
    """When a deployment runs: exactly one of `cron`, `interval_seconds` (from `anchor`)
    and `rrule`, computed in `timezone` (an IANA name, never empty). Its runs take
    `parameters` over the deployment's own, as Prefect's per-schedule parameters."""

    timezone: str
    cron: str | None = None
    interval_seconds: float | None = None
    anchor: datetime | None = None
    rrule: str | None = None
    is_active: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)


@dataclass(slots=True)
class Deployment:
    """A flow made runnable without its script: where the code is (`source` and
    `entrypoint`), how it is called (`parameters`), when (`schedules`), and where its
    runs wait for a worker (`work_pool_name`)."""

    flow_name: str
    name: str
    entrypoint: str
    work_pool_name: str
    source: str = "."
    branch: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_schema: dict[str, Any] = field(default_factory=dict)
    schedules: list[DeploymentSchedule] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    version: str | None = None
    is_paused: bool = False
    concurrency_limit: int | None = None
    # How long its runs may stay Running before the watchdog cancels them; None: the
    # watchdog's own limit (CAUCE_WATCHDOG_RUNNING_AFTER).
    watchdog_running_after_seconds: float | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)

    @property
    def full_name(self) -> str:
        """`flow-name/deployment-name`, as the CLI names a deployment."""
        return f"{self.flow_name}/{self.name}"
