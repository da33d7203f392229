"""Prefect's profiles.toml into cauce profiles: what converts, what stays behind and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from cauce.migrate.profiles import PrefectProfilesError, convert, find, merge
from cauce.settings.profiles import Profiles, read_profiles

PREFECT_PROFILES = """\
active = "local"

[profiles.ephemeral]
PREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"

[profiles.local]
PREFECT_API_URL = "http://127.0.0.1:4200/api"
PREFECT_API_AUTH_STRING = "admin:secreto"
PREFECT_LOGGING_LEVEL = "DEBUG"
PREFECT_LOGGING_EXTRA_LOGGERS = "dask,tienda"
PREFECT_SERVER_API_PORT = 4300
PREFECT_SERVER_DATABASE_CONNECTION_URL = "postgresql+asyncpg://u:p@db:5432/prefect"
PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS = 30
PREFECT_HOME = "/srv/prefect"
PREFECT_TASKS_DEFAULT_RETRIES = 2

[profiles.cloud]
PREFECT_API_URL = "https://api.prefect.cloud/api/accounts/a/workspaces/w"
PREFECT_API_KEY = "pnu_abc"
"""


@pytest.fixture
def prefect_file(tmp_path: Path) -> Path:
    path = tmp_path / "prefect" / "profiles.toml"
    path.parent.mkdir()
    path.write_text(PREFECT_PROFILES)
    return path


def test_settings_with_a_cauce_equivalent_are_converted(prefect_file):
    conversion = convert(prefect_file)
    assert conversion.active == "local"
    assert conversion.profiles == {
        "local": {
            "CAUCE_API_URL": "http://127.0.0.1:4200/api",
            "CAUCE_API_AUTH_STRING": "admin:secreto",
            "CAUCE_LOGGING_LEVEL": "DEBUG",
            "CAUCE_LOGGING_EXTRA_LOGGERS": "dask,tienda",
            "CAUCE_SERVER_PORT": "4300",
            "CAUCE_API_DATABASE_URL": "postgresql://u:p@db:5432/prefect",
            "CAUCE_LATE_AFTER": "30s",
        }
    }


def test_every_setting_left_behind_is_listed_with_its_line_and_why(prefect_file):
    skipped = {
        (item.line, item.profile, item.name): item.reason for item in convert(prefect_file).skipped
    }
    assert set(skipped) == {
        (4, "ephemeral", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"),
        (14, "local", "PREFECT_HOME"),
        (15, "local", "PREFECT_TASKS_DEFAULT_RETRIES"),
        (18, "cloud", "PREFECT_API_URL"),
        (19, "cloud", "PREFECT_API_KEY"),
    }
    assert skipped[(19, "cloud", "PREFECT_API_KEY")].startswith("Prefect Cloud only")
    assert "Prefect Cloud URL" in skipped[(18, "cloud", "PREFECT_API_URL")]
    assert "CAUCE_HOME is read from the environment only" in skipped[(14, "local", "PREFECT_HOME")]
    assert skipped[(15, "local", "PREFECT_TASKS_DEFAULT_RETRIES")] == (
        "cauce has no equivalent setting; not converted"
    )


def test_a_value_cauce_would_refuse_is_left_behind(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text('[profiles.x]\nPREFECT_LOGGING_LEVEL = "LOUD"\n')
    conversion = convert(path)
    assert conversion.profiles == {}
    [item] = conversion.skipped
    assert (item.line, item.name) == (2, "PREFECT_LOGGING_LEVEL")
    assert item.reason.startswith("'LOUD' is not valid for CAUCE_LOGGING_LEVEL")


def test_an_existing_cauce_profile_is_never_overwritten(prefect_file, tmp_path):
    target = Profiles(tmp_path / "cauce" / "profiles.toml")
    target.create("local")
    target.profiles["local"]["CAUCE_API_URL"] = "http://mine:4200/api"
    refused = merge(convert(prefect_file), target, is_new=False)
    assert refused == [("local", "cauce already has a profile 'local': not overwritten")]
    assert target.profiles["local"] == {"CAUCE_API_URL": "http://mine:4200/api"}
    assert target.active == "default"


def test_into_a_new_cauce_file_prefects_active_profile_becomes_active(prefect_file, tmp_path):
    target = Profiles(tmp_path / "cauce" / "profiles.toml")
    assert merge(convert(prefect_file), target, is_new=True) == []
    target.save()
    saved = read_profiles(target.path)
    assert saved.active == "local"
    assert saved.profiles["local"]["CAUCE_LOGGING_LEVEL"] == "DEBUG"


def test_a_file_that_is_not_toml_is_refused_in_one_line(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text("active = \n")
    with pytest.raises(PrefectProfilesError, match="cannot be read as TOML"):
        convert(path)


def test_where_prefects_profiles_are_looked_for(tmp_path, monkeypatch):
    project, home, prefect_home = tmp_path / "p", tmp_path / "u", tmp_path / "ph"
    for folder in (project, home / ".prefect", prefect_home):
        folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    assert find(project, None, {}) is None
    (home / ".prefect" / "profiles.toml").write_text("")
    assert find(project, None, {}) == home / ".prefect" / "profiles.toml"
    (prefect_home / "profiles.toml").write_text("")
    assert (
        find(project, None, {"PREFECT_HOME": str(prefect_home)}) == prefect_home / "profiles.toml"
    )
    (project / "profiles.toml").write_text("")
    assert find(project, None, {"PREFECT_HOME": str(prefect_home)}) == project / "profiles.toml"
    assert find(project, tmp_path / "elsewhere", {}) == tmp_path / "elsewhere" / "profiles.toml"
