"""`cauce global-concurrency-limit` (and its alias `gcl`) as a user types it.

Each journey runs `cauce` in a fresh interpreter on a fresh CAUCE_HOME, on every store
(SQLite, PostgreSQL, HTTP), and checks what it printed, its exit code and the rows the
store then holds; `delete` asks first on a terminal only (pexpect).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from cauce.client.base import NotFound
from cauce.client.factory import get_client
from cauce.schemas.concurrency_limits import StoredConcurrencyLimit
from tests.cli.conftest import one_line_error


def _rows(output: str) -> dict[str, list[str]]:
    """The cells of each table row, by the row's first cell."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] != "Name":
            rows[cells[0]] = cells
    return rows


class TestOnEachStore:
    def test_create_ls_inspect_update_delete(self, cli, store, store_env):
        made = cli.all(
            store_env,
            ["global-concurrency-limit", "create", "database", "--limit", "2"],
            ["gcl", "create", "api", "--limit", "5", "--slot-decay-per-second", "0.5", "--disable"],
        )
        assert [r.stdout for r in made] == [
            "Created global concurrency limit 'database' with 2 slot(s).\n",
            "Created global concurrency limit 'api' with 5 slot(s).\n",
        ], [r.stderr for r in made]
        api = store.client.read_concurrency_limit("api")
        assert (api.limit, api.active, api.slot_decay_per_second) == (5, False, 0.5)

        listed, inspected = cli.all(
            store_env, ["gcl", "ls"], ["global-concurrency-limit", "inspect", "database"]
        )
        rows = _rows(listed.stdout)
        assert rows == {
            "api": ["api", "5", "0", "no", "0.5"],
            "database": ["database", "2", "0", "yes", "0"],
        }, listed.stderr
        fields = dict(line.split(": ", 1) for line in inspected.stdout.splitlines())
        assert fields["name"] == "database" and fields["limit"] == "2"
        assert fields["id"] == str(store.client.read_concurrency_limit("database").id)

        updated = cli(store_env, "gcl", "update", "database", "--limit", "4", "--disable")
        assert updated.stdout == "Updated global concurrency limit 'database'.\n", updated.stderr
        database = store.client.read_concurrency_limit("database")
        assert (database.limit, database.active) == (4, False)
        enabled = cli(store_env, "gcl", "update", "database", "--enable")
        assert enabled.returncode == 0, enabled.stderr
        assert store.client.read_concurrency_limit("database").active

        deleted = cli(store_env, "gcl", "delete", "database", "--yes")
        assert deleted.stdout == "Deleted global concurrency limit 'database'.\n", deleted.stderr
        with pytest.raises(NotFound):
            store.client.read_concurrency_limit("database")

    def test_errors_are_one_line_and_leave_no_row(self, cli, store, store_env):
        store.client.create_concurrency_limit(StoredConcurrencyLimit("database", 1))
        taken, bad, missing, nothing, listed = cli.all(
            store_env,
            ["gcl", "create", "database", "--limit", "3"],
            ["gcl", "create", "a/b", "--limit", "1"],
            ["gcl", "inspect", "nope"],
            ["gcl", "update", "database"],
            ["gcl", "delete", "nope", "--yes"],
        )
        assert one_line_error(taken) == "concurrency limit 'database' already exists"
        assert (
            one_line_error(bad) == "concurrency limit name 'a/b' may not contain any of / % & > <"
        )
        assert one_line_error(missing) == "Global concurrency limit 'nope' not found."
        assert one_line_error(nothing).startswith("Nothing to update")
        assert one_line_error(listed) == "Global concurrency limit 'nope' not found."
        assert [c.name for c in store.client.read_concurrency_limits()] == ["database"]
        assert store.client.read_concurrency_limit("database").limit == 1


def test_ls_with_no_limits(cli, cauce_home):
    result = cli({"CAUCE_HOME": str(cauce_home)}, "gcl", "ls")
    assert (result.returncode, result.stdout) == (0, "No global concurrency limits found.\n")


@pytest.mark.parametrize(("answer", "kept"), [("n", True), ("y", False)])
def test_delete_asks_on_a_terminal(cauce_home: Path, answer: str, kept: bool):
    get_client().create_concurrency_limit(StoredConcurrencyLimit("database", 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cauce.cli.main", "gcl", "delete", "database"],
        env={**env, "CAUCE_HOME": str(cauce_home)},
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("Delete global concurrency limit 'database'? [y/N]: ")
        child.send(answer + "\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    printed = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(child.before)).split()[1:])
    if kept:
        assert (child.exitstatus, printed) == (
            1,
            "Deletion aborted: global concurrency limit 'database' is kept.",
        )
    else:
        assert (child.exitstatus, printed) == (0, "Deleted global concurrency limit 'database'.")
    names = [c.name for c in get_client().read_concurrency_limits()]
    assert (names == ["database"]) is kept
