"""Artifacts: what a key and each type's data may be, and create, read, change, delete.

The rules are in schemas/artifacts.py; every refusal is raised here, once, for the
embedded client and the server's routes alike (the HTTP client sends what it is given).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries import artifacts as queries
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.schemas.artifacts import (
    ArtifactFilter,
    StoredArtifact,
    data_problem,
    key_problem,
    without_nan,
)
from cauce.states import now_utc


def _check(artifact: StoredArtifact) -> None:
    problem = key_problem(artifact.key) or data_problem(artifact.type, artifact.data)
    if problem:
        raise InvalidRequest(problem)


def create_artifact(connection: Connection, artifact: StoredArtifact) -> StoredArtifact:
    """Record a new artifact (with a key that exists: its new version); InvalidRequest
    naming what is wrong with its key or data, or the flow run it names."""
    artifact.data = without_nan(artifact.data)
    _check(artifact)
    if artifact.flow_run_id is not None:
        from cauce.database.queries.flow_runs import select_flow_run

        if select_flow_run(connection, artifact.flow_run_id) is None:
            raise InvalidRequest(f"flow run {artifact.flow_run_id} does not exist")
    if artifact.key is not None:
        _after_latest(connection, artifact, artifact.key)
    queries.insert_artifact(connection, artifact)
    return artifact


def _after_latest(connection: Connection, artifact: StoredArtifact, key: str) -> None:
    # The newest version is the latest: on a clock that ticks every 15 ms (Windows) two
    # versions made in a row would otherwise tie, and the latest would be a coin toss.
    latest = queries.select_latest_artifacts(connection, ArtifactFilter(keys=[key]))
    if latest and artifact.created <= latest[0].created:
        artifact.created = latest[0].created + timedelta(microseconds=1)
        artifact.updated = max(artifact.updated, artifact.created)


def read_artifact(connection: Connection, artifact_id: uuid.UUID) -> StoredArtifact:
    """The artifact with this id; ObjectNotFound naming it."""
    artifact = queries.select_artifact(connection, artifact_id)
    if artifact is None:
        raise ObjectNotFound(f"artifact {artifact_id} does not exist")
    return artifact


def _check_page(where: ArtifactFilter) -> None:
    if where.offset < 0 or (where.limit is not None and where.limit < 0):
        raise InvalidRequest("offset and limit cannot be negative")


def read_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The artifacts (every version) matching `where`."""
    _check_page(where)
    return queries.select_artifacts(connection, where)


def read_latest_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The latest version of each key among the artifacts matching `where`."""
    _check_page(where)
    return queries.select_latest_artifacts(connection, where)


def read_latest_artifact(connection: Connection, key: str) -> StoredArtifact:
    """The latest version of the artifact `key`; ObjectNotFound naming it."""
    found = queries.select_latest_artifacts(connection, ArtifactFilter(keys=[key]))
    if not found:
        raise ObjectNotFound(f"no artifact has the key {key!r}")
    return found[0]


def update_artifact(
    connection: Connection,
    artifact_id: uuid.UUID,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> StoredArtifact:
    """Change the artifact's `data` or `description` (the keys of `changes`) at `now`
    (the clock's when omitted); the artifact after."""
    artifact = read_artifact(connection, artifact_id)
    unknown = set(changes) - {"data", "description"}
    if unknown:
        raise InvalidRequest(f"an artifact's {sorted(unknown)[0]!r} cannot be changed")
    if "data" in changes:
        artifact.data = without_nan(changes["data"])
    artifact.description = changes.get("description", artifact.description)
    _check(artifact)
    artifact.updated = now or now_utc()
    queries.update_artifact(connection, artifact)
    return artifact


def delete_artifact(connection: Connection, artifact_id: uuid.UUID) -> None:
    """Delete the artifact (this version only); ObjectNotFound naming it."""
    queries.delete_artifact(connection, read_artifact(connection, artifact_id).id)
