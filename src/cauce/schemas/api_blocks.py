"""What crosses HTTP for block documents: one copy for both sides.

Whether a slug or name is acceptable is the core's decision (orchestration/blocks.py),
answered as a 422 naming what is wrong; these models only read the body.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from cauce.schemas.api import UtcDatetime, _WireModel
from cauce.schemas.blocks import MAX_NAME_LENGTH, StoredBlockDocument

# The rule on slugs and names, documented for clients but checked by the core, whose 422
# says in words what is wrong (pydantic's would quote the pattern).
_NAME_SCHEMA: dict[str, Any] = {
    "pattern": "^[a-z0-9-]+$",
    "minLength": 1,
    "maxLength": MAX_NAME_LENGTH,
}


class BlockDocumentSave(_WireModel):
    """A block document to save; the server chooses its id."""

    slug: str = Field(
        description="The block type's slug: lowercase letters, digits and dashes.",
        json_schema_extra=_NAME_SCHEMA,
    )
    name: str = Field(
        description="The document's name: lowercase letters, digits and dashes.",
        json_schema_extra=_NAME_SCHEMA,
    )
    data: dict[str, Any] = Field(description="The block's fields, secret values included.")
    overwrite: bool = Field(
        default=False, strict=True, description="Replace the fields of one that exists."
    )

    def to_domain(self) -> StoredBlockDocument:
        """The document to record, with a new id."""
        return StoredBlockDocument(slug=self.slug, name=self.name, data=dict(self.data))


class BlockDocumentModel(_WireModel):
    """A block document as recorded."""

    id: uuid.UUID
    slug: str
    name: str
    data: dict[str, Any]
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, document: StoredBlockDocument) -> BlockDocumentModel:
        """The wire form of `document`."""
        return cls.model_validate(document)

    def to_domain(self) -> StoredBlockDocument:
        """The document, with times in UTC."""
        return self._to(StoredBlockDocument)


class BlockDocumentFilter(_WireModel):
    """The body of POST /block_documents/filter: the documents of one block type, or all."""

    slug: str | None = None
