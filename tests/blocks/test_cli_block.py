"""`cauce block ls | delete` as a user types them, on every store: the table shows each
block's type, name and when it was saved, never a value; deleting an unknown block is
one clear line."""

from __future__ import annotations

import pytest

from cauce.client.base import NotFound
from cauce.schemas.blocks import StoredBlockDocument
from tests.cli.conftest import one_line_error


def _rows(output: str) -> list[list[str]]:
    """The cells of each table row but the header."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] != "Type":
            rows.append(cells)
    return rows


def test_ls_and_delete(cli, store, store_env):
    store.client.save_block_document(
        StoredBlockDocument("secret", "db-password", {"value": "s3cr3t-valor"})
    )
    credenciales = {"usuario": "ana", "clave": "x-clave-x"}
    store.client.save_block_document(StoredBlockDocument("credenciales", "erp", credenciales))

    listed = cli(store_env, "block", "ls")
    assert listed.returncode == 0, listed.stderr
    rows = _rows(listed.stdout)
    assert [row[:2] for row in rows] == [["credenciales", "erp"], ["secret", "db-password"]]
    assert all(row[2] for row in rows)  # when it was saved
    assert "x-clave-x" not in listed.stdout and "s3cr3t-valor" not in listed.stdout

    deleted = cli(store_env, "block", "delete", "secret/db-password")
    assert deleted.stdout == "Deleted block 'secret/db-password'.\n", deleted.stderr
    with pytest.raises(NotFound):
        store.client.read_block_document("secret", "db-password")
    assert [d.full_name for d in store.client.read_block_documents()] == ["credenciales/erp"]


def test_errors_are_one_line(cli, store, store_env):
    unknown, not_slug_and_name, listed = cli.all(
        store_env,
        ["block", "delete", "secret/no-existe"],
        ["block", "delete", "no-existe"],
        ["block", "ls"],
    )
    assert one_line_error(unknown) == "Block 'secret/no-existe' not found."
    assert one_line_error(not_slug_and_name) == (
        "Block 'no-existe' is not SLUG/NAME: give the block type's slug and the block's name, "
        "as `secret/db-password`."
    )
    assert (listed.returncode, listed.stdout) == (0, "No blocks found.\n")
