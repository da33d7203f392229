"""`cauce version`, `cauce flow ls`, and what the CLI imports before it needs it."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

from cauce.version import __version__


def test_version_shows_versions_database_and_destination(cli, tmp_path):
    home = tmp_path / "home"
    result = cli({"CAUCE_HOME": str(home)}, "version")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Version:    {__version__}\n" in out
    assert f"Python:     {platform.python_version()}" in out
    assert f"Database:   sqlite:///{home}/cauce.db\n" in out
    assert "Runs go to: embedded store" in out
    assert not home.exists(), "version must not open the database"


def test_version_hides_the_database_password(run_main, tmp_path):
    url = "postgresql://cauce:secret@db.example:5432/runs"
    result = run_main({"CAUCE_HOME": str(tmp_path), "CAUCE_API_DATABASE_URL": url}, "version")
    assert "Database:   postgresql://cauce:***@db.example:5432/runs\n" in result.stdout
    assert "secret" not in result.stdout


def test_flow_ls_lists_recorded_flows(cli, recorded):
    result = cli(recorded.env, "flow", "ls")
    assert result.returncode == 0, result.stderr
    names = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("│")]
    assert names == ["falla", "mi-flujo", "subflujo"]


def test_cli_opens_no_database_and_no_rich_before_a_command_needs_them():
    # `cauce server start` pays for neither at start-up: Rich loads when a command prints.
    code = (
        "import sys, json, cauce.cli.main\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'alembic', 'pydantic', 'rich'} or m == 'cauce.client.embedded')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_import_cauce_does_not_import_the_cli():
    code = (
        "import sys, cauce\n"
        "print(sorted(m for m in sys.modules if m.startswith(('rich', 'typer', 'cauce.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
