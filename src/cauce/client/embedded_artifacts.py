"""The embedded client's verbs for artifacts.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing. They go
through the core; its refusals arrive as ClientError, an unknown id or key as NotFound.
Making and changing one (what flows do) run the recording statements, on SQLite with
no SQLAlchemy import, as recording runs does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from cauce.client.base import AlreadyExists, ClientError, NotFound
from cauce.schemas.artifacts import ArtifactFilter, StoredArtifact

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.recording.executors import StatementExecutor


@contextmanager
def core_refusals() -> Iterator[None]:
    """The core's refusals raised as the client's errors: NotFound, AlreadyExists, or
    else ClientError, each with the core's words."""
    from cauce.orchestration.errors import ObjectExists, ObjectNotFound, OrchestrationError

    try:
        yield
    except ObjectNotFound as exc:
        raise NotFound(str(exc)) from None
    except ObjectExists as exc:
        raise AlreadyExists(str(exc)) from None
    except OrchestrationError as exc:
        raise ClientError(str(exc)) from None


class EmbeddedArtifactVerbs:
    """Artifacts in the in-process database."""

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _recording(self) -> AbstractContextManager[StatementExecutor]:
        raise NotImplementedError

    def create_artifact(self, artifact: StoredArtifact) -> StoredArtifact:
        from cauce.orchestration.artifacts import create_artifact

        with core_refusals(), self._recording() as executor:
            return create_artifact(executor, artifact)

    def read_artifact(self, artifact_id: uuid.UUID) -> StoredArtifact:
        from cauce.orchestration.artifacts import read_artifact

        with self._core() as connection:
            return read_artifact(connection, artifact_id)

    def read_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        from cauce.orchestration.artifacts import read_artifacts

        with self._core() as connection:
            return read_artifacts(connection, where or ArtifactFilter())

    def read_latest_artifacts(self, where: ArtifactFilter | None = None) -> list[StoredArtifact]:
        from cauce.orchestration.artifacts import read_latest_artifacts

        with self._core() as connection:
            return read_latest_artifacts(connection, where or ArtifactFilter())

    def read_latest_artifact(self, key: str) -> StoredArtifact:
        from cauce.orchestration.artifacts import read_latest_artifact

        with self._core() as connection:
            return read_latest_artifact(connection, key)

    def update_artifact(self, artifact_id: uuid.UUID, changes: dict[str, Any]) -> None:
        from cauce.orchestration.artifacts import update_artifact

        with core_refusals(), self._recording() as executor:
            update_artifact(executor, artifact_id, changes)

    def delete_artifact(self, artifact_id: uuid.UUID) -> None:
        from cauce.orchestration.artifacts import delete_artifact

        with self._core() as connection:
            delete_artifact(connection, artifact_id)
