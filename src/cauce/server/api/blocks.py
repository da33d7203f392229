"""/api/block_documents and /api/block_types/slug/{slug}/block_documents/name/{name}:
save, read, list and delete block documents.

Each route calls one function of orchestration/blocks.py in a transaction; the core's
refusals become 404 (no such block), 409 (the name is taken) and 422 (a bad slug or
name) in app.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from cauce.schemas.api import ErrorModel
from cauce.schemas.api_blocks import BlockDocumentFilter, BlockDocumentModel, BlockDocumentSave
from cauce.server.api.responses import CONFLICT, REFUSED, UNREADABLE_BODY, json_response
from cauce.server.database import DatabaseDep

router = APIRouter(tags=["blocks"])

NO_BLOCK: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No block document with this slug and name"},
}
ONE = "/block_types/slug/{slug}/block_documents/name/{name}"


@router.post(
    "/block_documents/",
    response_model=BlockDocumentModel,
    responses={**CONFLICT, **REFUSED, **UNREADABLE_BODY},
)
async def save_block_document(body: BlockDocumentSave, database: DatabaseDep) -> Response:
    """Save a block document; 409 when its name is taken and `overwrite` is false."""
    from cauce.orchestration.blocks import save_block_document as save

    document = body.to_domain()
    saved = await database.transaction(
        lambda connection: save(connection, document, body.overwrite)
    )
    return json_response(BlockDocumentModel.from_domain(saved))


@router.post("/block_documents/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_block_documents(
    database: DatabaseDep, body: BlockDocumentFilter | None = None
) -> list[BlockDocumentModel]:
    """The block documents (of one block type, when `slug` is given), by slug and name."""
    from cauce.orchestration.blocks import read_block_documents as read

    slug = (body or BlockDocumentFilter()).slug
    found = await database.read(lambda connection: read(connection, slug))
    return [BlockDocumentModel.from_domain(d) for d in found]


@router.get(ONE, responses={**NO_BLOCK})
async def read_block_document(slug: str, name: str, database: DatabaseDep) -> BlockDocumentModel:
    """One block document."""
    from cauce.orchestration.blocks import read_block_document as read

    document = await database.read(lambda connection: read(connection, slug, name))
    return BlockDocumentModel.from_domain(document)


@router.delete(ONE, status_code=status.HTTP_204_NO_CONTENT, responses={**NO_BLOCK})
async def delete_block_document(slug: str, name: str, database: DatabaseDep) -> Response:
    """Delete a block document."""
    from cauce.orchestration.blocks import delete_block_document as delete

    await database.transaction(lambda connection: delete(connection, slug, name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
