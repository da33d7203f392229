"""The HTTP client's verbs for artifacts, at Prefect 3's paths under /artifacts.

A mixin of HttpClient, kept apart so that each file stays about one thing. The core's
refusals (a bad key or data) arrive as ClientError with the server's one-line reason;
an unknown id or key as NotFound.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import httpx

from cauce.schemas.api_artifacts import (
    ArtifactCreate,
    ArtifactFilterRequest,
    ArtifactModel,
    ArtifactUpdate,
)
from cauce.schemas.artifacts import ArtifactFilter, StoredArtifact


class HttpArtifactVerbs:
    """Artifacts on the cauce server."""

    def _request(self, method: str, path: str, *, refusals: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_artifact(self, artifact: StoredArtifact) -> StoredArtifact:
        body = ArtifactCreate(
            key=artifact.key,
            type=artifact.type,
            description=artifact.description,
            data=artifact.data,
            flow_run_id=artifact.flow_run_id,
            task_run_id=artifact.task_run_id,
        )
        response = self._request(
            "POST",
            "/artifacts/",
            json=body.model_dump(mode="json", exclude={"metadata_"}),
            refusals=True,
        )
        return _artifact(response)

    def read_artifact(self, artifact_id: uuid.UUID) -> StoredArtifact:
        return _artifact(self._request("GET", f"/artifacts/{artifact_id}"))

    def read_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        return self._filter("/artifacts/filter", where)

    def read_latest_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        return self._filter("/artifacts/latest/filter", where)

    def _filter(self, path: str, where: ArtifactFilter | None) -> list[StoredArtifact]:
        body = ArtifactFilterRequest.from_domain(where or ArtifactFilter())
        response = self._request(
            "POST", path, json=body.model_dump(mode="json", exclude_none=True), refusals=True
        )
        return [ArtifactModel.model_validate(a).to_domain() for a in response.json()]

    def read_latest_artifact(self, key: str) -> StoredArtifact:
        return _artifact(self._request("GET", f"/artifacts/{quote(key, safe='')}/latest"))

    def update_artifact(self, artifact_id: uuid.UUID, changes: dict[str, Any]) -> None:
        body = ArtifactUpdate.model_validate(changes)
        self._request(
            "PATCH",
            f"/artifacts/{artifact_id}",
            json=body.model_dump(mode="json", include=set(changes)),
            refusals=True,
        )

    def delete_artifact(self, artifact_id: uuid.UUID) -> None:
        self._request("DELETE", f"/artifacts/{artifact_id}")


def _artifact(response: httpx.Response) -> StoredArtifact:
    return ArtifactModel.model_validate(response.json()).to_domain()
