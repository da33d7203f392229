"""The blocks page at /blocks: each saved block's type, name, field names and last save,
as `cauce block ls` shows them; and deleting one, asked first at
/blocks/{slug}/{name}/delete (as `cauce block delete` does).

A block's values may be secrets (a Secret's `value`, a password field), so nothing here
ever shows one: a document is turned into a BlockView, which holds no value, before
any template sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from cauce.schemas.blocks import StoredBlockDocument
from cauce.server.database import DatabaseDep
from cauce.server.ui import csrf
from cauce.server.ui.pages.common import not_found, see_other, with_token, zone
from cauce.server.ui.rendering import render

router = APIRouter(include_in_schema=False)


@dataclass(slots=True)
class BlockView:
    """A saved block without its values: its type's slug, its name, the names of its
    fields and when it was last saved."""

    slug: str
    name: str
    fields: list[str]
    updated: datetime

    @property
    def full_name(self) -> str:
        """`slug/name`, as the CLI names a block."""
        return f"{self.slug}/{self.name}"


def block_view(document: StoredBlockDocument) -> BlockView:
    """What the pages show of `document`: never a value."""
    return BlockView(document.slug, document.name, sorted(document.data), document.updated)


@router.get("/blocks", response_class=HTMLResponse)
async def blocks_page(request: Request, database: DatabaseDep) -> Any:
    """Every saved block by type and name, each with a link to delete it."""
    from cauce.orchestration.blocks import read_block_documents

    found = await database.read(lambda connection: read_block_documents(connection))
    return render("blocks.html", zone(request), blocks=[block_view(d) for d in found])


@router.get("/blocks/{slug}/{name}/delete", response_class=HTMLResponse)
async def confirm_delete_page(request: Request, slug: str, name: str, database: DatabaseDep) -> Any:
    """Asks before deleting the block: a form that POSTs the deletion."""
    from cauce.database.queries.blocks import select_block_document

    document = await database.read(lambda connection: select_block_document(connection, slug, name))
    if document is None:
        return not_found(request, f"Block {slug}/{name}")
    return with_token(request, "block_confirm.html", block=block_view(document))


@router.post("/blocks/{slug}/{name}/delete")
async def delete_block(
    request: Request, slug: str, name: str, form: csrf.CheckedForm, database: DatabaseDep
) -> Response:
    """Delete the block; back to the list, which no longer shows it."""
    from cauce.orchestration.blocks import delete_block_document
    from cauce.orchestration.errors import ObjectNotFound

    try:
        await database.transaction(lambda connection: delete_block_document(connection, slug, name))
    except ObjectNotFound:
        return not_found(request, f"Block {slug}/{name}")
    return see_other("/blocks")
