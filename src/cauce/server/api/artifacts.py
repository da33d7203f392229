"""/api/artifacts: create, read, change and delete artifacts, at Prefect 3's paths.

Each route calls one function of orchestration/artifacts.py in a transaction; the
core's refusals become 404 (no such artifact or key) and 422 (a bad key or data) in app.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from cauce.schemas.api import ErrorModel
from cauce.schemas.api_artifacts import (
    ArtifactCreate,
    ArtifactFilterRequest,
    ArtifactModel,
    ArtifactUpdate,
)
from cauce.server.api.responses import REFUSED, UNREADABLE_BODY, json_response
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/artifacts", tags=["artifacts"])

NO_ARTIFACT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No artifact with this id (or key)"},
}


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=ArtifactModel,
    responses={**REFUSED, **UNREADABLE_BODY},
)
async def create_artifact(body: ArtifactCreate, database: DatabaseDep) -> Response:
    """Record a new artifact; with a key that exists, its new version."""
    from cauce.database.recording.executors import executor_for
    from cauce.orchestration.artifacts import create_artifact as create

    artifact = body.to_domain()
    created = await database.transaction(
        lambda connection: create(executor_for(connection), artifact)
    )
    return json_response(ArtifactModel.from_domain(created), status.HTTP_201_CREATED)


@router.post("/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_artifacts(
    database: DatabaseDep, body: ArtifactFilterRequest | None = None
) -> list[ArtifactModel]:
    """Every version of the artifacts matching the filter, newest first unless `sort` says."""
    from cauce.orchestration.artifacts import read_artifacts as read

    where = (body or ArtifactFilterRequest()).to_domain()
    found = await database.read(lambda connection: read(connection, where))
    return [ArtifactModel.from_domain(a) for a in found]


@router.post("/latest/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_latest_artifacts(
    database: DatabaseDep, body: ArtifactFilterRequest | None = None
) -> list[ArtifactModel]:
    """The latest version of each key among the artifacts matching the filter."""
    from cauce.orchestration.artifacts import read_latest_artifacts as read

    where = (body or ArtifactFilterRequest()).to_domain()
    found = await database.read(lambda connection: read(connection, where))
    return [ArtifactModel.from_domain(a) for a in found]


@router.get("/{key}/latest", responses={**NO_ARTIFACT})
async def read_latest_artifact(key: str, database: DatabaseDep) -> ArtifactModel:
    """The latest version of the artifact with this key."""
    from cauce.orchestration.artifacts import read_latest_artifact as read

    artifact = await database.read(lambda connection: read(connection, key))
    return ArtifactModel.from_domain(artifact)


@router.get("/{artifact_id}", responses={**NO_ARTIFACT})
async def read_artifact(artifact_id: uuid.UUID, database: DatabaseDep) -> ArtifactModel:
    """One artifact."""
    from cauce.orchestration.artifacts import read_artifact as read

    artifact = await database.read(lambda connection: read(connection, artifact_id))
    return ArtifactModel.from_domain(artifact)


@router.patch(
    "/{artifact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NO_ARTIFACT, **REFUSED, **UNREADABLE_BODY},
)
async def update_artifact(
    artifact_id: uuid.UUID, body: ArtifactUpdate, database: DatabaseDep
) -> Response:
    """Change an artifact's data (a progress artifact's progress) or description."""
    from cauce.database.recording.executors import executor_for
    from cauce.orchestration.artifacts import update_artifact as update

    changes = body.changes()
    await database.transaction(
        lambda connection: update(executor_for(connection), artifact_id, changes)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{artifact_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NO_ARTIFACT})
async def delete_artifact(artifact_id: uuid.UUID, database: DatabaseDep) -> Response:
    """Delete an artifact (this version only)."""
    from cauce.orchestration.artifacts import delete_artifact as delete

    await database.transaction(lambda connection: delete(connection, artifact_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
