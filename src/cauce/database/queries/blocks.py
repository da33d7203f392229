"""Block documents: one row per (block type slug, name), the block's fields as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from cauce.database.tables import block_documents
from cauce.schemas.blocks import StoredBlockDocument


def _document_from_row(row: Row[Any]) -> StoredBlockDocument:
    return StoredBlockDocument(
        id=row.id,
        slug=row.slug,
        name=row.name,
        data=dict(row.data),
        created=row.created,
        updated=row.updated,
    )


def insert_block_document(connection: Connection, document: StoredBlockDocument) -> None:
    """Record a new block document (its slug and name together must be new)."""
    connection.execute(
        insert(block_documents).values(
            id=document.id,
            slug=document.slug,
            name=document.name,
            data=document.data,
            created=document.created,
            updated=document.updated,
        )
    )


def select_block_document(
    connection: Connection, slug: str, name: str
) -> StoredBlockDocument | None:
    """The block document `slug/name`, or None."""
    row = connection.execute(
        select(block_documents).where(
            block_documents.c.slug == slug, block_documents.c.name == name
        )
    ).first()
    return None if row is None else _document_from_row(row)


def select_block_documents(
    connection: Connection, slug: str | None = None
) -> list[StoredBlockDocument]:
    """The block documents (of the type `slug` only, when given), by slug and name."""
    query = select(block_documents).order_by(block_documents.c.slug, block_documents.c.name)
    if slug is not None:
        query = query.where(block_documents.c.slug == slug)
    return [_document_from_row(row) for row in connection.execute(query)]


def update_block_document(connection: Connection, document: StoredBlockDocument) -> None:
    """Replace the fields of the block document with `document.id`."""
    connection.execute(
        update(block_documents)
        .where(block_documents.c.id == document.id)
        .values(data=document.data, updated=document.updated)
    )


def delete_block_document(connection: Connection, document: StoredBlockDocument) -> None:
    """Delete the block document with `document.id`."""
    connection.execute(delete(block_documents).where(block_documents.c.id == document.id))
