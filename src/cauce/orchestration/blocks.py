"""Block documents: save (new, or replacing the fields of one that exists), read, list,
delete. Both the embedded client and the server's routes go through these functions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from cauce.database.queries import blocks as queries
from cauce.orchestration.errors import InvalidRequest, ObjectExists, ObjectNotFound
from cauce.schemas.blocks import StoredBlockDocument, name_problem
from cauce.states import now_utc


def save_block_document(
    connection: Connection,
    document: StoredBlockDocument,
    overwrite: bool = False,
    now: datetime | None = None,
) -> StoredBlockDocument:
    """Record `document`; the document as stored. One with its slug and name exists:
    ObjectExists, unless `overwrite`, when its fields are replaced at `now`."""
    for kind, value in (("type slug", document.slug), ("name", document.name)):
        problem = name_problem(kind, value)
        if problem:
            raise InvalidRequest(problem)
    existing = queries.select_block_document(connection, document.slug, document.name)
    if existing is None:
        queries.insert_block_document(connection, document)
        return document
    if not overwrite:
        raise ObjectExists(
            f"Block document {document.full_name!r} already exists. "
            "Use `overwrite=True` to update it."
        )
    existing.data = document.data
    existing.updated = now or now_utc()
    queries.update_block_document(connection, existing)
    return existing


def read_block_document(connection: Connection, slug: str, name: str) -> StoredBlockDocument:
    """The block document `slug/name`; ObjectNotFound naming it."""
    document = queries.select_block_document(connection, slug, name)
    if document is None:
        raise ObjectNotFound(f"Block document {slug}/{name} not found")
    return document


def read_block_documents(
    connection: Connection, slug: str | None = None
) -> list[StoredBlockDocument]:
    """The block documents (of the type `slug` only, when given), by slug and name."""
    return queries.select_block_documents(connection, slug)


def delete_block_document(connection: Connection, slug: str, name: str) -> None:
    """Delete the block document `slug/name`; ObjectNotFound naming it."""
    queries.delete_block_document(connection, read_block_document(connection, slug, name))
