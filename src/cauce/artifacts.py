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

`Artifact` is Prefect's class form: `Artifact(type=..., key=..., data=...,
description=...).create()` records one and returns it as stored; `Artifact.get(key)` is
the newest version of a key (None if there is none); `Artifact.get_or_create(key=...,
type=..., data=...)` that, or a new one, with whether it was made. From async code each
returns a coroutine to await, and `acreate`, `aget`, `aget_or_create` are the async ones.

What differs from Prefect: a link is stored with type "link" (Prefect stores it as
markdown) so that only http and https links are shown as links. `Artifact` keeps its
data as given (Prefect's base class stores it as JSON text, so that its `.data` reads
back as a string) and needs a type; an artifact made outside any run gives no warning.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cauce.context import FlowRunContext, TaskRunContext, as_caller_expects, is_async_caller

if TYPE_CHECKING:
    from cauce.schemas.artifacts import StoredArtifact

TableData = dict[str, list[Any]] | list[dict[str, Any]] | list[list[Any]]
"""A table: rows as dicts (columns by name), columns as a dict of lists, or rows as lists."""


def _create(kind: str, data: Any, key: str | None, description: str | None) -> uuid.UUID:
    return _record(kind, data, key, description).id


def _record(
    kind: str,
    data: Any,
    key: str | None,
    description: str | None,
    run_ids: tuple[uuid.UUID | None, uuid.UUID | None] = (None, None),
) -> StoredArtifact:
    """The artifact as stored, belonging to `run_ids` (flow run, task run), or where not
    given to the run this code runs in."""
    from cauce.client.factory import get_client
    from cauce.schemas.artifacts import StoredArtifact

    flow_context = FlowRunContext.get()
    task_context = TaskRunContext.get()
    flow_run_id = flow_context.flow_run.id if flow_context else None
    task_run_id = None
    if task_context is not None and task_context.task_run.flow_run_id == flow_run_id:
        task_run_id = task_context.task_run.id
    flow_run_id = run_ids[0] or flow_run_id
    task_run_id = run_ids[1] or task_run_id
    artifact = StoredArtifact(kind, data, key, description, flow_run_id, task_run_id)
    return get_client().create_artifact(artifact)


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
    return as_caller_expects(_create, "markdown", markdown, key, description)


def create_table_artifact(
    table: TableData, key: str | None = None, description: str | None = None
) -> Any:
    """Record a table for the current run (NaN shown as empty); its id."""
    return as_caller_expects(_create, "table", table, key, description)


def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    client: Any = None,
) -> Any:
    """Record a link for the current run, shown as `link_text` (or the URL); its id.
    `client` is accepted and unused."""
    return as_caller_expects(_create, "link", _link(link, link_text), key, description)


def create_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> Any:
    """Record a progress bar for the current run at `progress` percent (0 to 100); its id."""
    return as_caller_expects(_create, "progress", progress, key, description)


def update_progress_artifact(
    artifact_id: uuid.UUID,
    progress: float,
    description: str | None = None,
    client: Any = None,
) -> Any:
    """Move the progress artifact `artifact_id` to `progress` percent (and give it this
    description, unless None); its id. `client` is accepted and unused."""
    return as_caller_expects(_update, artifact_id, progress, description)


def create_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> Any:
    """Record an image (by its URL) for the current run; its id."""
    return as_caller_expects(_create, "image", image_url, key, description)


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


@dataclass(kw_only=True)
class Artifact:
    """An artifact to record, as Prefect's class: `Artifact(type="markdown", key="report",
    data="# Done").create()`. A key that is not lowercase letters, digits and dashes is
    refused here, with ValueError. `flow_run_id` and `task_run_id`, when given, say whose
    it is; else it belongs to the run it is created in. `metadata_` is accepted, not kept.
    """

    type: str | None = None
    key: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        from cauce.schemas.artifacts import key_problem

        problem = key_problem(self.key)
        if problem is not None:
            raise ValueError(problem)

    def create(self, client: Any = None) -> Any:
        """Record it; the artifact as stored (with its `id`). `client` is accepted and
        unused."""
        return as_caller_expects(self._record)

    async def acreate(self, client: Any = None) -> StoredArtifact:
        """`create` for async code."""
        return await asyncio.to_thread(self._record)

    @classmethod
    def get(cls, key: str | None = None, client: Any = None) -> Any:
        """The newest version of the artifact `key` (without a key, the newest artifact),
        or None if there is none. `client` is accepted and unused."""
        return as_caller_expects(_newest, key)

    @classmethod
    async def aget(cls, key: str | None = None, client: Any = None) -> StoredArtifact | None:
        """`get` for async code."""
        return await asyncio.to_thread(_newest, key)

    @classmethod
    def get_or_create(
        cls,
        key: str | None = None,
        description: str | None = None,
        data: Any = None,
        client: Any = None,
        **fields: Any,
    ) -> Any:
        """`(artifact, False)` for the newest version of `key`, or `(artifact, True)` for a
        new one made of these arguments (and `fields`: `type=`...) when there is none."""
        if is_async_caller():
            return cls.aget_or_create(key, description, data, **fields)
        return cls._get_or_create(key, description, data, fields)

    @classmethod
    async def aget_or_create(
        cls,
        key: str | None = None,
        description: str | None = None,
        data: Any = None,
        client: Any = None,
        **fields: Any,
    ) -> tuple[StoredArtifact, bool]:
        """`get_or_create` for async code."""
        return await asyncio.to_thread(cls._get_or_create, key, description, data, fields)

    @classmethod
    def _get_or_create(
        cls, key: str | None, description: str | None, data: Any, fields: dict[str, Any]
    ) -> tuple[StoredArtifact, bool]:
        found = _newest(key)
        if found is not None:
            return found, False
        return cls(key=key, description=description, data=data, **fields)._record(), True

    def _record(self) -> StoredArtifact:
        if not self.type:
            raise ValueError(
                "Artifact.create: give the artifact a type (markdown, table, link, "
                "progress, image, or a name of your own)"
            )
        run_ids = (self.flow_run_id, self.task_run_id)
        return _record(self.type, self.data, self.key, self.description, run_ids)


def _newest(key: str | None) -> StoredArtifact | None:
    from cauce.client.factory import get_client
    from cauce.schemas.artifacts import ArtifactFilter, ArtifactSort

    where = ArtifactFilter(
        keys=None if key is None else [key], sort=ArtifactSort.UPDATED_DESC, limit=1
    )
    found = get_client().read_artifacts(where)
    return found[0] if found else None
