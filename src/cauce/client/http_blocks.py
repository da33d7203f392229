"""The HTTP client's verbs for block documents, under /block_documents and at Prefect 3's
path for one document, /block_types/slug/{slug}/block_documents/name/{name}.

A mixin of HttpClient, kept apart so that each file stays about one thing. The core's
refusals (a bad slug or name, a name taken) arrive as ClientError or AlreadyExists with
the server's one-line reason; an unknown block as NotFound.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cauce.schemas.api_blocks import BlockDocumentFilter, BlockDocumentModel, BlockDocumentSave
from cauce.schemas.blocks import StoredBlockDocument


class HttpBlockVerbs:
    """Block documents on the cauce server."""

    def _request(self, method: str, path: str, *, refusals: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def save_block_document(
        self, document: StoredBlockDocument, overwrite: bool = False
    ) -> StoredBlockDocument:
        body = BlockDocumentSave(
            slug=document.slug, name=document.name, data=document.data, overwrite=overwrite
        )
        response = self._request(
            "POST", "/block_documents/", json=body.model_dump(mode="json"), refusals=True
        )
        return BlockDocumentModel.model_validate(response.json()).to_domain()

    def read_block_document(self, slug: str, name: str) -> StoredBlockDocument:
        response = self._request("GET", _path(slug, name))
        return BlockDocumentModel.model_validate(response.json()).to_domain()

    def read_block_documents(self, slug: str | None = None) -> list[StoredBlockDocument]:
        body = BlockDocumentFilter(slug=slug)
        response = self._request(
            "POST", "/block_documents/filter", json=body.model_dump(mode="json"), refusals=True
        )
        return [BlockDocumentModel.model_validate(d).to_domain() for d in response.json()]

    def delete_block_document(self, slug: str, name: str) -> None:
        self._request("DELETE", _path(slug, name))


def _path(slug: str, name: str) -> str:
    # A slash in either is refused by the core; quoted, it reaches the route and gets a 404.
    return f"/block_types/slug/{quote(slug, safe='')}/block_documents/name/{quote(name, safe='')}"
