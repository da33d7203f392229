"""The objects and filters `get_client()` works with, where Prefect users import them:
`cauce.client.schemas.filters`, `.objects`, `.sorting` and `.responses`; the run and
state objects also from the package itself (`from prefect.client.schemas import State`)."""

from __future__ import annotations

import importlib
from typing import Any

_LOCATIONS = {
    "FlowRun": "cauce.schemas.flow_runs",
    "TaskRun": "cauce.schemas.task_runs",
    "State": "cauce.states",
    "StateType": "cauce.states",
    "StateDetails": "cauce.states",
    "SetStateStatus": "cauce.schemas.states",
}

__all__ = sorted(_LOCATIONS)


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"cauce.client.schemas has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
