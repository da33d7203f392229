"""`cauce.runtime.flow_run`, `.task_run`, `.deployment`: read-only views of the current run.

Outside a run every attribute is None (parameters: an empty dict).
"""

from __future__ import annotations

import uuid
from typing import Any

from cauce.context import flow_run_context, task_run_context


class _FlowRunView:
    """The flow run this code is running in."""

    @property
    def id(self) -> uuid.UUID | None:
        context = flow_run_context.get()
        return context.flow_run.id if context else None

    @property
    def name(self) -> str | None:
        context = flow_run_context.get()
        return context.flow_run.name if context else None

    @property
    def flow_name(self) -> str | None:
        context = flow_run_context.get()
        return context.flow_run.flow_name if context else None

    @property
    def parameters(self) -> dict[str, Any]:
        context = flow_run_context.get()
        return dict(context.flow_run.parameters) if context else {}

    @property
    def tags(self) -> list[str]:
        context = flow_run_context.get()
        return list(context.flow_run.tags) if context else []

    @property
    def run_count(self) -> int:
        context = flow_run_context.get()
        return context.flow_run.run_count if context else 0


class _TaskRunView:
    """The task run this code is running in."""

    @property
    def id(self) -> uuid.UUID | None:
        context = task_run_context.get()
        return context.task_run.id if context else None

    @property
    def name(self) -> str | None:
        context = task_run_context.get()
        return context.task_run.name if context else None

    @property
    def task_name(self) -> str | None:
        context = task_run_context.get()
        return context.task.name if context else None

    @property
    def parameters(self) -> dict[str, Any]:
        context = task_run_context.get()
        return dict(context.parameters) if context else {}

    @property
    def run_count(self) -> int:
        context = task_run_context.get()
        return context.task_run.run_count if context else 0


class _DeploymentView:
    """The deployment the flow run came from; None until deployments exist."""

    id: uuid.UUID | None = None
    name: str | None = None


flow_run = _FlowRunView()
task_run = _TaskRunView()
deployment = _DeploymentView()
