"""`cauce.runtime.flow_run`: the flow run this code runs in, read by attribute
(`flow_run.name`), as `prefect.runtime.flow_run`; a task sees its flow's run.

Outside a flow run the ids and names are None, `parameters` and `job_variables` are
empty, `tags` is an empty list, `run_count` 0 and `scheduled_start_time` is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cauce.context import FlowRunContext, flow_run_context
from cauce.runtime import _urls
from cauce.runtime._attributes import attribute_reader
from cauce.states import now_utc


def _current() -> FlowRunContext | None:
    return flow_run_context.get()


def get_id() -> uuid.UUID | None:
    context = _current()
    return context.flow_run.id if context else None


def get_name() -> str | None:
    context = _current()
    return context.flow_run.name if context else None


def get_flow_name() -> str | None:
    context = _current()
    return context.flow_run.flow_name if context else None


def get_flow_version() -> str | None:
    """cauce does not version flows: always None."""
    return None


def get_parameters() -> dict[str, Any]:
    context = _current()
    return dict(context.flow_run.parameters) if context else {}


def get_tags() -> list[str]:
    context = _current()
    return list(context.flow_run.tags) if context else []


def get_run_count() -> int:
    context = _current()
    return context.flow_run.run_count if context else 0


def get_scheduled_start_time() -> datetime:
    """When the run was meant to start (a deployment's run), else when it was made."""
    context = _current()
    if context is None:
        return now_utc()
    return context.flow_run.expected_start_time or context.flow_run.created


def get_parent_flow_run_id() -> uuid.UUID | None:
    """The flow run this one is a subflow of."""
    context = _current()
    return context.parent.flow_run.id if context and context.parent else None


def get_parent_deployment_id() -> uuid.UUID | None:
    """The deployment the parent flow run was made from."""
    context = _current()
    return context.parent.flow_run.deployment_id if context and context.parent else None


def get_root_flow_run_id() -> uuid.UUID | None:
    """The outermost flow run of this one's tree (itself when it is no subflow)."""
    context = _current()
    while context is not None and context.parent is not None:
        context = context.parent
    return context.flow_run.id if context else None


def get_job_variables() -> dict[str, Any]:
    """cauce's workers take no job variables: always empty."""
    return {}


def get_api_url() -> str | None:
    """The run in the server's API; None outside a run or with the embedded store."""
    run_id, api = get_id(), _urls.api_url()
    return None if run_id is None or api is None else f"{api.rstrip('/')}/flow_runs/{run_id}"


def get_ui_url() -> str | None:
    """The run's page in the web UI; None outside a run."""
    run_id = get_id()
    return None if run_id is None else _urls.ui_url(f"/flow-runs/{run_id}")


_ATTRIBUTES: dict[str, Callable[[], Any]] = {
    "id": get_id,
    "name": get_name,
    "flow_name": get_flow_name,
    "flow_version": get_flow_version,
    "parameters": get_parameters,
    "tags": get_tags,
    "run_count": get_run_count,
    "scheduled_start_time": get_scheduled_start_time,
    "parent_flow_run_id": get_parent_flow_run_id,
    "parent_deployment_id": get_parent_deployment_id,
    "root_flow_run_id": get_root_flow_run_id,
    "job_variables": get_job_variables,
    "api_url": get_api_url,
    "ui_url": get_ui_url,
}

__all__ = list(_ATTRIBUTES)

__getattr__ = attribute_reader("cauce.runtime.flow_run", _ATTRIBUTES)
