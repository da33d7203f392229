"""What crosses HTTP for artifacts, in Prefect's shapes: one copy for both sides.

Whether a key or data is acceptable is the core's decision (orchestration/artifacts.py),
answered as a 422 that names what is wrong; these models only read the body.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from cauce.schemas.api import UtcDatetime, _WireModel
from cauce.schemas.api_variables import Count
from cauce.schemas.artifacts import MAX_KEY_LENGTH, ArtifactFilter, ArtifactSort, StoredArtifact

_KEY_SCHEMA: dict[str, Any] = {
    "pattern": "^[a-z0-9-]+$",
    "maxLength": MAX_KEY_LENGTH,
    "description": "Lowercase letters, digits and dashes; artifacts with one key are "
    "versions of one thing.",
}


class ArtifactCreate(_WireModel):
    """A new artifact; the server chooses its id."""

    key: str | None = Field(default=None, json_schema_extra=_KEY_SCHEMA)
    type: str = Field(description="markdown, table, link, progress, image, or another name.")
    description: str | None = None
    data: Any = Field(default=None, description="The artifact's content, as its type says.")
    metadata_: dict[str, str] | None = Field(
        default=None, description="Sent by Prefect's clients; not kept."
    )
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None

    def to_domain(self) -> StoredArtifact:
        """The artifact to record, with a new id."""
        return self._to(StoredArtifact)


class ArtifactUpdate(_WireModel):
    """What to change in an artifact: the fields given."""

    data: Any = None
    description: str | None = None
    metadata_: dict[str, str] | None = Field(default=None, description="Not kept.")

    def changes(self) -> dict[str, Any]:
        """The fields the request set (`metadata_` is not kept)."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"metadata_"}}


class ArtifactModel(_WireModel):
    """An artifact as recorded."""

    id: uuid.UUID
    key: str | None
    type: str
    description: str | None
    data: Any
    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, artifact: StoredArtifact) -> ArtifactModel:
        """The wire form of `artifact`."""
        return cls.model_validate(artifact)

    def to_domain(self) -> StoredArtifact:
        """The artifact, with times in UTC."""
        return self._to(StoredArtifact)


class _Lenient(BaseModel):
    # Prefect's clients also send an `operator` (always "and_" here) and fields
    # cauce does not filter on.
    model_config = ConfigDict(extra="ignore")


class AnyIdFilter(_Lenient):
    """Ids: one of `any_`."""

    any_: list[uuid.UUID] | None = None


class ArtifactKeyFilter(_Lenient):
    """Keys: one of `any_`, containing `like_` (any case), and whether there is one."""

    any_: list[str] | None = None
    like_: str | None = None
    exists_: StrictBool | None = None


class ArtifactTypeFilter(_Lenient):
    """Types: one of `any_`."""

    any_: list[str] | None = None


class ArtifactConditions(_Lenient):
    """Conditions on an artifact's fields, all of which must hold."""

    id: AnyIdFilter | None = None
    key: ArtifactKeyFilter | None = None
    flow_run_id: AnyIdFilter | None = None
    task_run_id: AnyIdFilter | None = None
    type: ArtifactTypeFilter | None = None


class ArtifactFilterRequest(_Lenient):
    """The body of POST /artifacts/filter and /artifacts/latest/filter."""

    artifacts: ArtifactConditions | None = None
    sort: ArtifactSort = ArtifactSort.CREATED_DESC
    offset: Count = 0
    limit: Count | None = None

    @classmethod
    def from_domain(cls, where: ArtifactFilter) -> ArtifactFilterRequest:
        """The request asking for `where`."""
        return cls(
            artifacts=ArtifactConditions(
                id=AnyIdFilter(any_=where.ids),
                key=ArtifactKeyFilter(any_=where.keys, like_=where.key_like, exists_=where.has_key),
                flow_run_id=AnyIdFilter(any_=where.flow_run_ids),
                task_run_id=AnyIdFilter(any_=where.task_run_ids),
                type=ArtifactTypeFilter(any_=where.types),
            ),
            sort=where.sort,
            offset=where.offset,
            limit=where.limit,
        )

    def to_domain(self) -> ArtifactFilter:
        """The filter the core reads."""
        given = self.artifacts or ArtifactConditions()
        key = given.key or ArtifactKeyFilter()
        return ArtifactFilter(
            ids=(given.id or AnyIdFilter()).any_,
            keys=key.any_,
            key_like=key.like_,
            has_key=key.exists_,
            flow_run_ids=(given.flow_run_id or AnyIdFilter()).any_,
            task_run_ids=(given.task_run_id or AnyIdFilter()).any_,
            types=(given.type or ArtifactTypeFilter()).any_,
            sort=self.sort,
            offset=self.offset,
            limit=self.limit,
        )
