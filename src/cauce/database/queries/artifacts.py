"""Artifacts read and deleted: one row per version, its data as JSON; the latest of a key
is its newest row. They are made and changed by recording statements (recording/statements.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, FromClause, Row, Select, delete, or_, select

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


def _filtered(
    query: Select[Any], where: ArtifactFilter, table: FromClause = artifacts
) -> Select[Any]:
    conditions = {
        table.c.id: where.ids,
        table.c.key: where.keys,
        table.c.flow_run_id: where.flow_run_ids,
        table.c.task_run_id: where.task_run_ids,
        table.c.type: where.types,
    }
    for column, values in conditions.items():
        if values is not None:
            query = query.where(column.in_(values))
    if where.key_like:
        query = query.where(table.c.key.ilike(f"%{where.key_like}%"))
    if where.has_key is not None:
        has = table.c.key.is_not(None) if where.has_key else table.c.key.is_(None)
        query = query.where(has)
    return query


def select_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The artifacts matching `where`, in its order."""
    query = _filtered(select(artifacts), where).order_by(*_ORDER[where.sort])
    query = query.offset(where.offset).limit(where.limit)
    return [_artifact_from_row(row) for row in connection.execute(query)]


def select_latest_artifacts(connection: Connection, where: ArtifactFilter) -> list[StoredArtifact]:
    """The newest version of each key among the keyed artifacts matching `where`.

    A version is listed when no newer version of its key (by created, then id) also
    matches `where`: the filter chooses the versions first, then the newest of those
    is taken. Each version is probed in the index on (key, created), and a page read
    in the order of an index (newest first, the default) stops once it is full, where
    numbering every version (row_number() over the key) read and sorted all of them.
    """
    newer = artifacts.alias("newer")
    newer_version = _filtered(
        select(newer.c.id).where(
            newer.c.key == artifacts.c.key,
            newer.c.created >= artifacts.c.created,
            or_(newer.c.created > artifacts.c.created, newer.c.id > artifacts.c.id),
        ),
        where,
        newer,
    )
    query = _filtered(
        select(artifacts).where(artifacts.c.key.is_not(None), ~newer_version.exists()), where
    )
    query = query.order_by(*_ORDER[where.sort]).offset(where.offset).limit(where.limit)
    return [_artifact_from_row(row) for row in connection.execute(query)]


def delete_artifact(connection: Connection, artifact_id: uuid.UUID) -> None:
    """Delete the artifact."""
    connection.execute(delete(artifacts).where(artifacts.c.id == artifact_id))
