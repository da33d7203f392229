"""The embedded client's verbs for block documents.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing. The
core's refusals arrive as the client's errors: NotFound naming the block,
AlreadyExists for a name taken, ClientError for a bad slug or name. Reading one block
on SQLite runs the compiled statement on the sqlite3 driver, as reading a variable does:
flows do that (Secret.load), and a flow script imports no SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from cauce.client.base import NotFound
from cauce.database.recording.executors import SqliteExecutor
from cauce.schemas.blocks import StoredBlockDocument

if TYPE_CHECKING:
    from sqlalchemy import Connection


class EmbeddedBlockVerbs:
    """Block documents in the in-process database."""

    is_sqlite: bool

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _sqlite(self) -> sqlite3.Connection:
        raise NotImplementedError

    def save_block_document(
        self, document: StoredBlockDocument, overwrite: bool = False
    ) -> StoredBlockDocument:
        from cauce.orchestration.blocks import save_block_document

        with self._core() as connection:
            return save_block_document(connection, document, overwrite)

    def read_block_document(self, slug: str, name: str) -> StoredBlockDocument:
        if self.is_sqlite:
            params = {"slug": slug, "name": name}
            rows = SqliteExecutor(self._sqlite()).execute("select_block_document", params)
            if not rows:
                raise NotFound(f"Block document {slug}/{name} not found")
            return StoredBlockDocument(**rows[0])
        from cauce.orchestration.blocks import read_block_document

        with self._core() as connection:
            return read_block_document(connection, slug, name)

    def read_block_documents(self, slug: str | None = None) -> list[StoredBlockDocument]:
        from cauce.orchestration.blocks import read_block_documents

        with self._core() as connection:
            return read_block_documents(connection, slug)

    def delete_block_document(self, slug: str, name: str) -> None:
        from cauce.orchestration.blocks import delete_block_document

        with self._core() as connection:
            delete_block_document(connection, slug, name)
