"""The client's verbs on block documents, on every store (SQLite, PostgreSQL, and a server
over HTTP on either): save, save again with and without overwrite, read, list, delete."""

from __future__ import annotations

import pytest

from cauce.client.base import AlreadyExists, ClientError, NotFound
from cauce.schemas.blocks import StoredBlockDocument
from tests.conftest import Store

DATA = {"usuario": "ana", "clave": "x", "puertos": [5432, 5433], "extra": {"ñ": None}}


class TestSaveAndRead:
    def test_saved_fields_read_back_equal(self, store: Store) -> None:
        saved = store.client.save_block_document(StoredBlockDocument("credenciales", "erp", DATA))
        read = store.client.read_block_document("credenciales", "erp")
        assert (read.id, read.slug, read.name, read.data) == (
            saved.id,
            "credenciales",
            "erp",
            DATA,
        )

    def test_one_name_under_two_block_types_is_two_documents(self, store: Store) -> None:
        store.client.save_block_document(StoredBlockDocument("secret", "erp", {"value": "a"}))
        store.client.save_block_document(StoredBlockDocument("credenciales", "erp", DATA))
        assert store.client.read_block_document("secret", "erp").data == {"value": "a"}
        assert store.client.read_block_document("credenciales", "erp").data == DATA

    def test_an_unknown_block_is_not_found_naming_it(self, store: Store) -> None:
        with pytest.raises(NotFound, match=r"^Block document secret/no-existe not found$"):
            store.client.read_block_document("secret", "no-existe")


class TestSaveExistingName:
    def test_without_overwrite_is_refused_and_keeps_the_first(self, store: Store) -> None:
        store.client.save_block_document(StoredBlockDocument("secret", "clave", {"value": 1}))
        with pytest.raises(AlreadyExists, match=r"'secret/clave' already exists"):
            store.client.save_block_document(StoredBlockDocument("secret", "clave", {"value": 2}))
        assert store.client.read_block_document("secret", "clave").data == {"value": 1}

    def test_with_overwrite_replaces_the_data_of_the_same_document(self, store: Store) -> None:
        first = store.client.save_block_document(StoredBlockDocument("secret", "k", {"value": 1}))
        again = StoredBlockDocument("secret", "k", {"value": "nuevo"})
        replaced = store.client.save_block_document(again, overwrite=True)
        read = store.client.read_block_document("secret", "k")
        assert (replaced.id, read.id, read.data) == (first.id, first.id, {"value": "nuevo"})
        assert read.updated >= first.updated and read.created == first.created


class TestListAndDelete:
    def test_list_by_slug_and_name_and_of_one_type(self, store: Store) -> None:
        assert store.client.read_block_documents() == []
        for slug, name in [("secret", "b"), ("credenciales", "z"), ("secret", "a")]:
            store.client.save_block_document(StoredBlockDocument(slug, name, {}))
        listed = [d.full_name for d in store.client.read_block_documents()]
        assert listed == ["credenciales/z", "secret/a", "secret/b"]
        assert [d.name for d in store.client.read_block_documents("secret")] == ["a", "b"]

    def test_delete_removes_one_and_an_unknown_one_is_not_found(self, store: Store) -> None:
        store.client.save_block_document(StoredBlockDocument("secret", "a", {"value": 1}))
        store.client.save_block_document(StoredBlockDocument("secret", "b", {"value": 2}))
        store.client.delete_block_document("secret", "a")
        assert [d.name for d in store.client.read_block_documents()] == ["b"]
        with pytest.raises(NotFound, match=r"^Block document secret/a not found$"):
            store.client.delete_block_document("secret", "a")


@pytest.mark.parametrize(
    ("slug", "name", "message"),
    [
        ("secret", "Mayus", "block name 'Mayus' may hold only lowercase letters, digits and"),
        ("secret", "con/barra", "block name 'con/barra' may hold only lowercase"),
        ("secret", "", "a block needs a name"),
        ("Mal Tipo", "ok", "block type slug 'Mal Tipo' may hold only lowercase"),
        ("secret", "x" * 256, "is 256 characters; the most is 255"),
    ],
)
def test_a_bad_slug_or_name_is_refused_saying_why(
    store: Store, slug: str, name: str, message: str
) -> None:
    with pytest.raises(ClientError, match=message):
        store.client.save_block_document(StoredBlockDocument(slug, name, {}))
    assert store.client.read_block_documents() == []


def test_the_repr_of_a_stored_document_shows_no_data() -> None:
    document = StoredBlockDocument("secret", "clave", {"value": "s3cr3t"})
    assert "s3cr3t" not in repr(document)
