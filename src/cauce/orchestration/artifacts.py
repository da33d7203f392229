"""Artifacts: what a key and each type's data may be, and create, read, change, delete.

The rules are in schemas/artifacts.py; every refusal is raised here, once, for the
embedded client and the server's routes alike (the HTTP client sends what it is given).
Creating and changing one run the recording statements (database/recording), so that
a flow on the embedded SQLite makes its artifacts without importing SQLAlchemy (its
first import costs about half a second); reading and deleting go through the queries.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.schemas.artifacts import (
    ArtifactFilter,
    StoredArtifact,
    data_problem,
    key_problem,
    without_nan,
)
from cauce.states import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.recording.executors import StatementExecutor


def _check(kind: str, key: str | None, data: Any) -> str:
    """The data as the JSON text to store; InvalidRequest naming what is wrong."""
    problem = key_problem(key) or data_problem(kind, data)
    if problem:
        raise InvalidRequest(problem)
    try:
        return json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"the data of a {kind} artifact is not JSON: {exc}") from None


def create_artifact(executor: StatementExecutor, artifact: StoredArtifact) -> StoredArtifact:
    """Record a new artifact (with a key that exists: its new version); InvalidRequest
    naming what is wrong with its key or data, or the flow run it names."""
    artifact.data = without_nan(artifact.data)
    data = _check(artifact.type, artifact.key, artifact.data)
    if artifact.flow_run_id is not None and not executor.execute(
        "select_flow_run_exists", {"flow_run_id": artifact.flow_run_id}
    ):
        raise InvalidRequest(f"flow run {artifact.flow_run_id} does not exist")
    if artifact.key is not None:
        _after_newest(executor, artifact, artifact.key)
    row = {name: getattr(artifact, name) for name in _COLUMNS}
    executor.execute("insert_artifact", {**row, "data": data})
    return artifact


_COLUMNS = ("id", "key", "type", "description", "flow_run_id", "task_run_id", "created", "updated")


def _after_newest(executor: StatementExecutor, artifact: StoredArtifact, key: str) -> None:
    # The newest version is the latest: on a clock that ticks every 15 ms (Windows) two
    # versions made in a row would otherwise tie, and the latest would be a coin toss.
    [row] = executor.execute("select_newest_artifact_time", {"key": key})
    newest: datetime | None = row["created"]
    if newest is not None and artifact.created <= newest:
        artifact.created = newest + timedelta(microseconds=1)
        artifact.updated = max(artifact.updated, artifact.created)


def update_artifact(
    executor: StatementExecutor,
    artifact_id: uuid.UUID,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """Change the artifact's `data` or `description` (the keys of `changes`) at `now`
    (the clock's when omitted); ObjectNotFound naming it."""
    unknown = set(changes) - {"data", "description"}
    if unknown:
        raise InvalidRequest(f"an artifact's {sorted(unknown)[0]!r} cannot be changed")
    found = executor.execute("select_artifact_type", {"artifact_id": artifact_id})
    if not found:
        raise ObjectNotFound(f"artifact {artifact_id} does not exist")
    updated = now or now_utc()
    if "data" in changes:
        data = _check(found[0]["type"], None, without_nan(changes["data"]))
        executor.execute(
            "update_artifact_data", {"artifact_id": artifact_id, "data": data, "updated": updated}
        )
    if "description" in changes:
        executor.execute(
            "update_artifact_description",
            {"artifact_id": artifact_id, "description": changes["description"], "updated": updated},
        )


def read_artifact(connection: Connection, artifact_id: uuid.UUID) -> StoredArtifact:
    """The artifact with this id; ObjectNotFound naming it."""
    from cauce.database.queries.artifacts import select_artifact

    artifact = select_artifact(connection, artifact_id)
    if artifact is None:
        raise ObjectNotFound(f"artifact {artifact_id} does not exist")
    return artifact


def _check_page(where: ArtifactFilter) -> None:
    if where.offset < 0 or (where.limit is not None and where.limit < 0):
        raise InvalidRequest("offset and limit cannot be negative")


def read_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The artifacts (every version) matching `where`."""
    from cauce.database.queries.artifacts import select_artifacts

    _check_page(where)
    return select_artifacts(connection, where)


def read_latest_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The latest version of each key among the artifacts matching `where`."""
    from cauce.database.queries.artifacts import select_latest_artifacts

    _check_page(where)
    return select_latest_artifacts(connection, where)


def read_latest_artifact(connection: Connection, key: str) -> StoredArtifact:
    """The latest version of the artifact `key`; ObjectNotFound naming it."""
    from cauce.database.queries.artifacts import select_latest_artifacts

    found = select_latest_artifacts(connection, ArtifactFilter(keys=[key]))
    if not found:
        raise ObjectNotFound(f"no artifact has the key {key!r}")
    return found[0]


def delete_artifact(connection: Connection, artifact_id: uuid.UUID) -> None:
    """Delete the artifact (this version only); ObjectNotFound naming it."""
    from cauce.database.queries.artifacts import delete_artifact as delete

    delete(connection, read_artifact(connection, artifact_id).id)
