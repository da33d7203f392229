"""`cauce migrate` with Prefect profiles: shown, written into CAUCE_HOME, never overwriting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.migrate.test_cli_migrate import _migrate, _run

PREFECT_PROFILES = """\
active = "local"

[profiles.local]
PREFECT_API_URL = "http://127.0.0.1:4200/api"
PREFECT_LOGGING_LEVEL = "DEBUG"
PREFECT_TASKS_DEFAULT_RETRIES = 2

[profiles.cloud]
PREFECT_API_KEY = "pnu_abc"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a flow; Prefect's profiles are in a PREFECT_HOME of their own."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "flow.py").write_text("from prefect import flow\n")
    (tmp_path / "prefect-home").mkdir()
    (tmp_path / "prefect-home" / "profiles.toml").write_text(PREFECT_PROFILES)
    return root


def _cauce(root: Path, *args: str) -> str:
    home = {"CAUCE_HOME": str(root.parent / "home")}
    result = _run([sys.executable, "-m", "cauce.cli.main", *args], root, home)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_without_write_the_profiles_are_shown_and_nothing_is_written(project):
    prefect_home = project.parent / "prefect-home"
    result = _migrate(project, "--prefect-home", str(prefect_home))
    assert result.returncode == 1  # settings were left behind
    cauce_file = (project.parent / "home" / "profiles.toml").as_posix()
    assert f"--- /dev/null\n+++ b/{cauce_file}\n" in result.stdout
    assert '+active = "local"\n' in result.stdout
    assert '+CAUCE_API_URL = "http://127.0.0.1:4200/api"\n' in result.stdout
    assert '+CAUCE_LOGGING_LEVEL = "DEBUG"\n' in result.stdout
    source = (prefect_home / "profiles.toml").as_posix()
    assert (
        f"{source}:6: profile 'local': PREFECT_TASKS_DEFAULT_RETRIES: "
        "cauce has no equivalent setting; not converted"
    ) in result.stdout
    assert f"{source}:9: profile 'cloud': PREFECT_API_KEY: Prefect Cloud only" in result.stdout
    assert "Nothing written: 2 file(s) would change" in result.stdout
    assert not (project.parent / "home" / "profiles.toml").exists()

    diff_only = _migrate(project, "--diff", "--prefect-home", str(prefect_home))
    assert "CAUCE_API_URL" not in diff_only.stdout and "+CAUCE_API_URL" in diff_only.stderr


def test_write_creates_the_cauce_profiles_and_cauce_uses_them(project):
    result = _migrate(project, "--write", "--prefect-home", str(project.parent / "prefect-home"))
    assert result.returncode == 1
    assert "Profiles converted" in result.stdout
    assert "cauce profiles written to" in result.stdout
    assert _cauce(project, "profile", "ls").splitlines() == ["  default", "* local"]
    assert "CAUCE_API_URL" in _cauce(project, "profile", "inspect", "local")
    shown = _cauce(project, "config", "view")
    assert "CAUCE_LOGGING_LEVEL" in shown and "DEBUG" in shown


def test_an_existing_cauce_profile_is_kept_and_reported(project):
    _cauce(project, "profile", "create", "local")
    _cauce(project, "profile", "use", "local")
    _cauce(project, "config", "set", "CAUCE_API_URL=http://mine:4200/api")
    (project / "profiles.toml").write_text(
        (project.parent / "prefect-home" / "profiles.toml").read_text()
    )
    before = (project.parent / "home" / "profiles.toml").read_text()
    result = _migrate(project, "--write")
    assert result.returncode == 1
    assert (
        "profiles.toml:3: profile 'local': cauce already has a profile 'local': not overwritten"
        in (result.stdout)
    )
    assert (project.parent / "home" / "profiles.toml").read_text() == before
