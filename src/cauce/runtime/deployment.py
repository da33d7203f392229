"""`cauce.runtime.deployment`: the deployment the current flow run was made from, read
by attribute (`deployment.name`), as `prefect.runtime.deployment`.

For a run not made from a deployment (a script's), and outside a run, every attribute
is None and `parameters` is empty. The deployment is read from the store once per
process and kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cauce.context import flow_run_context
from cauce.runtime._attributes import attribute_reader
from cauce.schemas.deployments import Deployment

_read: dict[uuid.UUID, Deployment] = {}


def get_id() -> uuid.UUID | None:
    context = flow_run_context.get()
    return context.flow_run.deployment_id if context else None


def get_flow_run_id() -> uuid.UUID | None:
    """The flow run made from the deployment: the current one, when it was."""
    context = flow_run_context.get()
    return context.flow_run.id if context and context.flow_run.deployment_id else None


def _deployment() -> Deployment | None:
    deployment_id = get_id()
    if deployment_id is None:
        return None
    found = _read.get(deployment_id)
    if found is None:
        from cauce.client.factory import get_client

        found = _read[deployment_id] = get_client().read_deployment(deployment_id)
    return found


def get_name() -> str | None:
    """The deployment's own name (without its flow's)."""
    deployment = _deployment()
    return deployment.name if deployment else None


def get_version() -> str | None:
    deployment = _deployment()
    return deployment.version if deployment else None


def get_parameters() -> dict[str, Any]:
    """The deployment's default parameters (the run's own are `flow_run.parameters`)."""
    deployment = _deployment()
    return dict(deployment.parameters) if deployment else {}


_ATTRIBUTES: dict[str, Callable[[], Any]] = {
    "id": get_id,
    "flow_run_id": get_flow_run_id,
    "name": get_name,
    "version": get_version,
    "parameters": get_parameters,
}

__all__ = list(_ATTRIBUTES)

__getattr__ = attribute_reader("cauce.runtime.deployment", _ATTRIBUTES)
