"""Artifacts read and deleted: one row per version, its data as JSON; the latest of a key
is its newest row. They are made and changed by recording statements (recording/statements.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, select

from cauce.database.tables import artifacts
from cauce.schemas.artifacts import ArtifactFilter, ArtifactSort, StoredArtifact

_ORDER = {
    ArtifactSort.CREATED_DESC: (artifacts.c.created.desc(), artifacts.c.id.desc()),
    ArtifactSort.UPDATED_DESC: (artifacts.c.updated.desc(), artifacts.c.id.desc()),
    ArtifactSort.ID_DESC: (artifacts.c.id.desc(),),
    ArtifactSort.KEY_DESC: (artifacts.c.key.desc(), artifacts.c.created.desc()),
    ArtifactSort.KEY_ASC: (artifacts.c.key.asc(), artifacts.c.created.desc()),
}


def _artifact_from_row(row: Row[Any]) -> StoredArtifact:
    return StoredArtifact(
        id=row.id,
        key=row.key,
        type=row.type,
        data=row.data,
        description=row.description,
        flow_run_id=row.flow_run_id,
        task_run_id=row.task_run_id,
        created=row.created,
        updated=row.updated,
    )


def select_artifact(connection: Connection, artifact_id: uuid.UUID) -> StoredArtifact | None:
    """The artifact with this id, or None."""
    row = connection.execute(select(artifacts).where(artifacts.c.id == artifact_id)).first()
    return None if row is None else _artifact_from_row(row)


def _filtered(query: Select[Any], where: ArtifactFilter) -> Select[Any]:
    conditions = {
        artifacts.c.id: where.ids,
        artifacts.c.key: where.keys,
        artifacts.c.flow_run_id: where.flow_run_ids,
        artifacts.c.task_run_id: where.task_run_ids,
        artifacts.c.type: where.types,
    }
    for column, values in conditions.items():
        if values is not None:
            query = query.where(column.in_(values))
    if where.key_like:
        query = query.where(artifacts.c.key.ilike(f"%{where.key_like}%"))
    if where.has_key is not None:
        has = artifacts.c.key.is_not(None) if where.has_key else artifacts.c.key.is_(None)
        query = query.where(has)
    return query


def select_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The artifacts matching `where`, in its order."""
    query = _filtered(select(artifacts), where).order_by(*_ORDER[where.sort])
    query = query.offset(where.offset).limit(where.limit)
    return [_artifact_from_row(row) for row in connection.execute(query)]


def select_latest_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The newest version of each key among the keyed artifacts matching `where`."""
    newest_first = func.row_number().over(
        partition_by=artifacts.c.key,
        order_by=(artifacts.c.created.desc(), artifacts.c.id.desc()),
    )
    ranked = _filtered(
        select(artifacts.c.id, newest_first.label("rank")).where(artifacts.c.key.is_not(None)),
        where,
    ).subquery()
    latest = select(ranked.c.id).where(ranked.c.rank == 1)
    query = select(artifacts).where(artifacts.c.id.in_(latest)).order_by(*_ORDER[where.sort])
    query = query.offset(where.offset).limit(where.limit)
    return [_artifact_from_row(row) for row in connection.execute(query)]


def delete_artifact(connection: Connection, artifact_id: uuid.UUID) -> None:
    """Delete the artifact."""
    connection.execute(delete(artifacts).where(artifacts.c.id == artifact_id))
