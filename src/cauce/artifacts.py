"""Artifacts: what a flow makes for people to see, kept with its run, as Prefect's.

`create_markdown_artifact`, `create_table_artifact`, `create_link_artifact`,
`create_progress_artifact` / `update_progress_artifact` and `create_image_artifact`
have Prefect 3's names, arguments and return value (the artifact's id). Made inside a
flow or task run, an artifact belongs to that run (`cauce artifact ls`, the run's page
in the UI); outside a run, to none. A key (lowercase letters, digits and dashes) names
versions of one thing: each call with it makes a new version. Called from an async flow
or task (or, outside any run, where an event loop runs), each returns a coroutine to
await, as in Prefect; the `a`-prefixed names are the async ones. The rules on keys and
data are the core's (orchestration/artifacts.py): a refusal arrives as a ClientError
naming what is wrong.

What differs from Prefect: a link is stored with type "link" (Prefect stores it as
markdown) so that only http and https links are shown as links.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from cauce.context import FlowRunContext, TaskRunContext, is_async_caller

TableData = dict[str, list[Any]] | list[dict[str, Any]] | list[list[Any]]
"""A table: rows as dicts (columns by name), columns as a dict of lists, or rows as lists."""


def _dispatch(call: Callable[..., uuid.UUID], *args: Any) -> Any:
    """The call's result, or for an async caller a coroutine that makes it in a worker thread."""
    if is_async_caller():
        return asyncio.to_thread(call, *args)
    return call(*args)


def _create(kind: str, data: Any, key: str | None, description: str | None) -> uuid.UUID:
    from cauce.client.factory import get_client
    from cauce.schemas.artifacts import StoredArtifact

    flow_context = FlowRunContext.get()
    task_context = TaskRunContext.get()
    flow_run_id = flow_context.flow_run.id if flow_context else None
    task_run_id = None
    if task_context is not None and task_context.task_run.flow_run_id == flow_run_id:
        task_run_id = task_context.task_run.id
    artifact = StoredArtifact(kind, data, key, description, flow_run_id, task_run_id)
    return get_client().create_artifact(artifact).id


def _update(artifact_id: uuid.UUID, progress: float, description: str | None) -> uuid.UUID:
    from cauce.client.factory import get_client

    changes: dict[str, Any] = {"data": progress}
    if description is not None:
        changes["description"] = description
    get_client().update_artifact(artifact_id, changes)
    return artifact_id


def _link(link: str, link_text: str | None) -> dict[str, Any]:
    return {"link": link, "link_text": link_text}


def create_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> Any:
    """Record a markdown report for the current run; its id."""
    return _dispatch(_create, "markdown", markdown, key, description)


def create_table_artifact(
    table: TableData, key: str | None = None, description: str | None = None
) -> Any:
    """Record a table for the current run (NaN shown as empty); its id."""
    return _dispatch(_create, "table", table, key, description)


def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    client: Any = None,
) -> Any:
    """Record a link for the current run, shown as `link_text` (or the URL); its id.
    `client` is accepted and unused."""
    return _dispatch(_create, "link", _link(link, link_text), key, description)


def create_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> Any:
    """Record a progress bar for the current run at `progress` percent (0 to 100); its id."""
    return _dispatch(_create, "progress", progress, key, description)


def update_progress_artifact(
    artifact_id: uuid.UUID,
    progress: float,
    description: str | None = None,
    client: Any = None,
) -> Any:
    """Move the progress artifact `artifact_id` to `progress` percent (and give it this
    description, unless None); its id. `client` is accepted and unused."""
    return _dispatch(_update, artifact_id, progress, description)


def create_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> Any:
    """Record an image (by its URL) for the current run; its id."""
    return _dispatch(_create, "image", image_url, key, description)


async def acreate_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """`create_markdown_artifact` for async code."""
    return await asyncio.to_thread(_create, "markdown", markdown, key, description)


async def acreate_table_artifact(
    table: TableData, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """`create_table_artifact` for async code."""
    return await asyncio.to_thread(_create, "table", table, key, description)


async def acreate_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    client: Any = None,
) -> uuid.UUID:
    """`create_link_artifact` for async code."""
    return await asyncio.to_thread(_create, "link", _link(link, link_text), key, description)


async def acreate_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """`create_progress_artifact` for async code."""
    return await asyncio.to_thread(_create, "progress", progress, key, description)


async def aupdate_progress_artifact(
    artifact_id: uuid.UUID,
    progress: float,
    description: str | None = None,
    client: Any = None,
) -> uuid.UUID:
    """`update_progress_artifact` for async code."""
    return await asyncio.to_thread(_update, artifact_id, progress, description)


async def acreate_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """`create_image_artifact` for async code."""
    return await asyncio.to_thread(_create, "image", image_url, key, description)
