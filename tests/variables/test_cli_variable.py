"""`cauce variable set | get | ls | unset` as a user types them, and a flow reading what
the CLI set.

Each journey runs `cauce` in a fresh interpreter on a fresh CAUCE_HOME, on every store
(SQLite, PostgreSQL, HTTP), and checks what it printed, its exit code and the rows the
store then holds. `unset` asks first on a terminal only (pexpect), as every deleting
command does.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest

from cauce.client.base import NotFound
from cauce.variables import Variable
from tests.cli.conftest import one_line_error
from tests.conftest import run_script


def _rows(output: str) -> dict[str, list[str]]:
    """The cells of each table row, by the row's first cell."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] != "Name":
            rows[cells[0]] = cells
    return rows


class TestOnEachStore:
    def test_set_get_ls_unset(self, cli, store, store_env):
        made = cli.all(
            store_env,
            ["variable", "set", "umbral", "5"],
            ["variable", "set", "saludo", "hola mundo", "--tag", "etl", "--tag", "prod"],
            ["variable", "set", "config", '{"reintentos": [1, 2], "activo": true}'],
        )
        assert [r.stdout for r in made] == [
            "Set variable 'umbral'.\n",
            "Set variable 'saludo'.\n",
            "Set variable 'config'.\n",
        ], [r.stderr for r in made]
        assert store.client.read_variable("umbral").value == 5
        saludo = store.client.read_variable("saludo")
        assert (saludo.value, saludo.tags) == ("hola mundo", ["etl", "prod"])
        config = store.client.read_variable("config").value
        assert config == {"reintentos": [1, 2], "activo": True}

        got, listed = cli.all(store_env, ["variable", "get", "config"], ["variable", "ls"])
        assert got.stdout == '{"reintentos": [1, 2], "activo": true}\n', got.stderr
        rows = _rows(listed.stdout)
        assert list(rows) == ["config", "saludo", "umbral"]
        assert rows["saludo"][1:3] == ['"hola mundo"', "etl, prod"]
        assert rows["umbral"][1:3] == ["5", ""]

        unset = cli(store_env, "variable", "unset", "umbral")
        assert (unset.returncode, unset.stdout) == (0, "Unset variable 'umbral'.\n"), unset.stderr
        with pytest.raises(NotFound):
            store.client.read_variable("umbral")
        assert [v.name for v in store.client.read_variables()] == ["config", "saludo"]

    def test_an_existing_name_needs_overwrite(self, cli, store, store_env):
        assert cli(store_env, "variable", "set", "umbral", "5").returncode == 0
        again = cli(store_env, "variable", "set", "umbral", "6")
        assert one_line_error(again) == (
            "Variable 'umbral' already exists. Use --overwrite to update it."
        )
        assert store.client.read_variable("umbral").value == 5
        replaced = cli(store_env, "variable", "set", "umbral", "[6]", "--overwrite")
        assert replaced.stdout == "Set variable 'umbral'.\n", replaced.stderr
        assert store.client.read_variable("umbral").value == [6]

    def test_errors_are_one_line_and_leave_no_row(self, cli, store, store_env):
        bad, got, unset, listed = cli.all(
            store_env,
            ["variable", "set", "Mal Nombre", "1"],
            ["variable", "get", "no-existe"],
            ["variable", "unset", "no-existe"],
            ["variable", "ls"],
        )
        assert one_line_error(bad) == (
            "variable name 'Mal Nombre' may hold only lowercase letters, digits, "
            "underscores and dashes"
        )
        assert one_line_error(got) == "Variable 'no-existe' not found."
        assert one_line_error(unset) == "Variable 'no-existe' not found."
        assert (listed.returncode, listed.stdout) == (0, "No variables found.\n")
        assert store.client.read_variables() == []


def test_missing_value_is_a_usage_error(cli, cauce_home):
    result = cli({"CAUCE_HOME": str(cauce_home)}, "variable", "set", "umbral")
    assert result.returncode == 2
    assert "VALUE" in result.stderr


def test_a_flow_reads_the_variable_the_cli_set(cli, store, store_env, tmp_path: Path):
    made = cli(store_env, "variable", "set", "destinatarios", '["ana", "luis"]')
    assert made.returncode == 0, made.stderr
    script = tmp_path / "avisar.py"
    script.write_text(
        textwrap.dedent(
            """
            from cauce import flow
            from cauce.variables import Variable


            @flow
            def avisar():
                nombres = Variable.get("destinatarios", default=[])
                Variable.set("ultimo_aviso", len(nombres), overwrite=True)
                return ",".join(nombres)


            if __name__ == "__main__":
                print(avisar())
            """
        )
    )
    result = run_script(script, store_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ana,luis"
    assert store.client.read_variable("ultimo_aviso").value == 2
    got = cli(store_env, "variable", "get", "ultimo_aviso")
    assert got.stdout == "2\n", got.stderr


@pytest.mark.parametrize(("answer", "kept"), [("n", True), ("y", False)])
def test_unset_asks_on_a_terminal(cauce_home: Path, answer: str, kept: bool):
    Variable.set("umbral", 5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cauce.cli.main", "variable", "unset", "umbral"],
        env={**env, "CAUCE_HOME": str(cauce_home)},
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("Delete variable 'umbral'? [y/N]: ")
        child.send(answer + "\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    printed = re.sub(r"\x1b\[[0-9;]*m", "", str(child.before)).split()
    if kept:
        assert (child.exitstatus, printed[1:]) == (
            1,
            "Deletion aborted: variable 'umbral' is kept.".split(),
        )
    else:
        assert (child.exitstatus, printed[1:]) == (0, "Unset variable 'umbral'.".split())
    assert (Variable.get("umbral") == 5) is kept
