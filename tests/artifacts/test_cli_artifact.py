"""`cauce artifact ls | inspect | delete` as a user types them, after a real flow script
made artifacts.

Each journey runs the script and then `cauce` in fresh interpreters on a fresh
CAUCE_HOME, on every store (SQLite, PostgreSQL, HTTP), and checks what it printed, its
exit code and the rows the store then holds. `delete` asks first on a terminal only.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest

from cauce.artifacts import create_markdown_artifact
from cauce.schemas.artifacts import ArtifactFilter
from tests.cli.conftest import one_line_error
from tests.conftest import run_script

WIDE = {"COLUMNS": "250"}  # one table row per line, whatever the terminal pytest runs in

SCRIPT = """
from cauce import flow, runtime, task
from cauce.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)


@task
def contar(n):
    create_table_artifact([{"fila": i} for i in range(n)], key="filas")
    return n


@flow
def informe(n: int = 2):
    avance = create_progress_artifact(0, key="avance")
    create_markdown_artifact(f"# Informe\\n\\n{contar(n)} filas", key="informe")
    create_link_artifact("https://example.com/datos", "los datos")
    update_progress_artifact(avance, 100)
    print(f"run={runtime.flow_run.id}")


if __name__ == "__main__":
    informe(2)
    informe(3)
"""


def _rows(output: str) -> list[list[str]]:
    """The cells of each table row (not the header's), in order."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells:
            rows.append(cells)
    return rows


def _make_artifacts(tmp_path: Path, env: dict[str, str]) -> list[str]:
    script = tmp_path / "informe.py"
    script.write_text(textwrap.dedent(SCRIPT))
    result = run_script(script, env)
    assert result.returncode == 0, result.stderr
    return [line[4:] for line in result.stdout.splitlines() if line.startswith("run=")]


class TestOnEachStore:
    def test_ls_inspect_delete_after_a_flow_made_artifacts(self, cli, store, store_env, tmp_path):
        first_run, second_run = _make_artifacts(tmp_path, store_env)
        env = {**store_env, **WIDE}
        listed, inspected, by_run = cli.all(
            env,
            ["artifact", "ls"],
            ["artifact", "inspect", "filas"],
            ["artifact", "ls", "--flow-run", first_run],
        )
        assert [row[:3] + row[4:5] for row in _rows(listed.stdout)] == [
            ["informe", "markdown", "# Informe 3 filas", second_run],
            ["filas", "table", '[{"fila": 0}, {"fila": 1}, {"fila": 2}]', second_run],
            ["avance", "progress", "100", second_run],
        ], listed.stderr
        versions = store.client.read_artifacts(ArtifactFilter(keys=["filas"]))
        assert [row[:3] for row in _rows(inspected.stdout)] == [
            [str(versions[0].id), "table", '[{"fila": 0}, {"fila": 1}, {"fila": 2}]'],
            [str(versions[1].id), "table", '[{"fila": 0}, {"fila": 1}]'],
        ], inspected.stderr
        assert sorted(row[0] for row in _rows(by_run.stdout)) == [
            "-", "avance", "filas", "informe"
        ]  # fmt: skip

        deleted = cli(env, "artifact", "delete", "filas")
        assert deleted.stdout == "Deleted artifact 'filas' (2 versions).\n", deleted.stderr
        assert store.client.read_artifacts(ArtifactFilter(keys=["filas"])) == []
        assert len(store.client.read_artifacts()) == 6

    def test_errors_are_one_line(self, cli, store, store_env):
        inspected, deleted, bad_run, listed = cli.all(
            store_env,
            ["artifact", "inspect", "no-existe"],
            ["artifact", "delete", "no-existe", "--yes"],
            ["artifact", "ls", "--flow-run", "no-es-un-id"],
            ["artifact", "ls"],
        )
        assert one_line_error(inspected) == "Artifact 'no-existe' not found."
        assert one_line_error(deleted) == "Artifact 'no-existe' not found."
        assert one_line_error(bad_run) == "'no-es-un-id' is not a valid flow run id"
        assert (listed.returncode, listed.stdout) == (0, "No artifacts found.\n")


@pytest.mark.parametrize(("answer", "kept"), [("n", True), ("y", False)])
def test_delete_asks_on_a_terminal(cauce_home: Path, answer: str, kept: bool):
    create_markdown_artifact("x", key="informe")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cauce.cli.main", "artifact", "delete", "informe"],
        env={**env, "CAUCE_HOME": str(cauce_home)},
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("Delete artifact 'informe' (1 version)? [y/N]: ")
        child.send(answer + "\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    printed = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(child.before)).split()[1:])
    if kept:
        assert (child.exitstatus, printed) == (
            1,
            "Deletion aborted: artifact 'informe' (1 version) is kept.",
        )
    else:
        assert (child.exitstatus, printed) == (0, "Deleted artifact 'informe' (1 version).")
    from cauce.client.factory import get_client

    assert (len(get_client().read_artifacts()) == 1) is kept
