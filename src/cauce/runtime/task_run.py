"""`cauce.runtime.task_run`: the task run this code runs in, read by attribute
(`task_run.name`), as `prefect.runtime.task_run`.

Outside a task run the ids and names are None, `parameters` is empty, `tags` an
empty list and `run_count` 0.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cauce.context import TaskRunContext, task_run_context
from cauce.runtime import _urls
from cauce.runtime._attributes import attribute_reader


def _current() -> TaskRunContext | None:
    return task_run_context.get()


def get_id() -> uuid.UUID | None:
    context = _current()
    return context.task_run.id if context else None


def get_name() -> str | None:
    context = _current()
    return context.task_run.name if context else None


def get_task_name() -> str | None:
    context = _current()
    return context.task.name if context else None


def get_parameters() -> dict[str, Any]:
    context = _current()
    return dict(context.parameters) if context else {}


def get_tags() -> list[str]:
    context = _current()
    return list(context.task_run.tags) if context else []


def get_run_count() -> int:
    context = _current()
    return context.task_run.run_count if context else 0


def get_api_url() -> str | None:
    """The task run's flow run in the server's API (where its task runs are read);
    None outside a task run or with the embedded store."""
    context, api = _current(), _urls.api_url()
    if context is None or api is None:
        return None
    return f"{api.rstrip('/')}/flow_runs/{context.task_run.flow_run_id}/task_runs"


def get_ui_url() -> str | None:
    """The page of the flow run that lists this task run; None outside a task run."""
    context = _current()
    return None if context is None else _urls.ui_url(f"/flow-runs/{context.task_run.flow_run_id}")


_ATTRIBUTES: dict[str, Callable[[], Any]] = {
    "id": get_id,
    "name": get_name,
    "task_name": get_task_name,
    "parameters": get_parameters,
    "tags": get_tags,
    "run_count": get_run_count,
    "api_url": get_api_url,
    "ui_url": get_ui_url,
}

__all__ = list(_ATTRIBUTES)

__getattr__ = attribute_reader("cauce.runtime.task_run", _ATTRIBUTES)
