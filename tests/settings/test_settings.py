"""Where each value comes from (environment > active profile > defaults), and bad ones."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cauce.settings import SettingsError, get_settings, reset_settings
from cauce.settings.profiles import read_profiles
from cauce.settings.settings import profile_problems, resolve


def write_profiles(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "profiles.toml"
    path.write_text(text)
    return path


def error_of(**env: str) -> str:
    with pytest.raises(SettingsError) as caught:
        resolve(env)
    message = str(caught.value)
    assert "\n" not in message
    return message


class TestDefaults:
    def test_every_default(self, cauce_home):
        settings = get_settings()
        assert settings.home == cauce_home
        assert settings.api.url is None
        assert settings.api.auth_string is None
        assert settings.api.database_url == f"sqlite:///{cauce_home / 'cauce.db'}"
        assert (settings.server.host, settings.server.port) == ("127.0.0.1", 4200)
        assert settings.logging.level == "INFO"
        assert settings.logging.extra_loggers == ()
        assert settings.logging.settings_path is None
        assert settings.logging.file is None
        assert settings.logging.file_max_bytes == 10 * 1024 * 1024
        assert settings.logging.file_backup_count == 5
        assert settings.late_after == timedelta(seconds=15)
        assert settings.watchdog.enabled is True
        assert settings.watchdog.interval == timedelta(minutes=30)
        assert settings.watchdog.late_after == timedelta(hours=4)
        assert settings.watchdog.running_after == timedelta(hours=2)
        assert settings.worker.heartbeat == timedelta(seconds=30)

    def test_default_timezone_is_the_machines(self, cauce_home, monkeypatch):
        monkeypatch.setenv("TZ", "America/Argentina/Buenos_Aires")
        assert get_settings().default_timezone == "America/Argentina/Buenos_Aires"

    def test_home_defaults_to_dot_cauce(self):
        assert resolve({}).settings.home == Path.home() / ".cauce"

    def test_read_once_per_process(self, cauce_home, monkeypatch):
        first = get_settings()
        monkeypatch.setenv("CAUCE_LOGGING_LEVEL", "DEBUG")
        assert get_settings() is first
        reset_settings()
        assert get_settings().logging.level == "DEBUG"

    def test_the_password_is_not_in_the_repr(self, cauce_home, monkeypatch):
        monkeypatch.setenv("CAUCE_API_AUTH_STRING", "admin:s3cret")
        assert get_settings().api.auth_string == "admin:s3cret"
        assert "s3cret" not in repr(get_settings())


class TestPrecedence:
    def test_environment_over_profile_over_defaults(self, cauce_home):
        write_profiles(
            cauce_home,
            '[profiles.default]\nCAUCE_LOGGING_LEVEL = "WARNING"\nCAUCE_LATE_AFTER = "1m"\n',
        )
        env = {"CAUCE_HOME": str(cauce_home), "CAUCE_LOGGING_LEVEL": "debug"}
        resolution = resolve(env)
        sources = {key: item.source for key, item in resolution.values.items()}
        assert resolution.settings.logging.level == "DEBUG"
        assert sources["CAUCE_LOGGING_LEVEL"] == "env"
        assert resolution.settings.late_after == timedelta(minutes=1)
        assert sources["CAUCE_LATE_AFTER"] == "profile"
        assert resolution.settings.watchdog.running_after == timedelta(hours=2)
        assert sources["CAUCE_WATCHDOG_RUNNING_AFTER"] == "defaults"
        assert sources["CAUCE_HOME"] == "env"

    def test_an_empty_value_counts_as_not_set(self, cauce_home):
        write_profiles(cauce_home, '[profiles.default]\nCAUCE_LOGGING_LEVEL = "ERROR"\n')
        env = {"CAUCE_HOME": str(cauce_home), "CAUCE_LOGGING_LEVEL": ""}
        assert resolve(env).settings.logging.level == "ERROR"

    def test_the_database_default_follows_home(self, tmp_path):
        settings = resolve({"CAUCE_HOME": str(tmp_path)}).settings
        assert settings.api.database_url == f"sqlite:///{tmp_path / 'cauce.db'}"

    def test_the_active_profile_is_the_one_used(self, cauce_home):
        write_profiles(
            cauce_home,
            'active = "dev"\n[profiles.default]\nCAUCE_SERVER_PORT = "1111"\n'
            '[profiles.dev]\nCAUCE_SERVER_PORT = "2222"\n',
        )
        resolution = resolve({"CAUCE_HOME": str(cauce_home)})
        assert (resolution.profile, resolution.settings.server.port) == ("dev", 2222)

    def test_cauce_profile_picks_another_for_one_command(self, cauce_home):
        write_profiles(
            cauce_home,
            'active = "dev"\n[profiles.default]\nCAUCE_SERVER_PORT = "1111"\n'
            '[profiles.dev]\nCAUCE_SERVER_PORT = "2222"\n',
        )
        env = {"CAUCE_HOME": str(cauce_home), "CAUCE_PROFILE": "default"}
        resolution = resolve(env)
        assert (resolution.profile, resolution.settings.server.port) == ("default", 1111)
        assert read_profiles(cauce_home / "profiles.toml").active == "dev"

    def test_cauce_profile_naming_no_profile(self, cauce_home):
        path = write_profiles(cauce_home, "[profiles.default]\n")
        message = error_of(CAUCE_HOME=str(cauce_home), CAUCE_PROFILE="nope")
        assert message == f"CAUCE_PROFILE: No profile named 'nope' in {path} (profiles: default)"

    def test_an_active_profile_that_is_not_there(self, cauce_home):
        path = write_profiles(cauce_home, 'active = "gone"\n[profiles.default]\n')
        assert error_of(CAUCE_HOME=str(cauce_home)) == (
            f"No profile named 'gone' in {path} (profiles: default); "
            "choose one with `cauce profile use NAME`"
        )

    def test_home_cannot_come_from_a_profile(self, cauce_home):
        path = write_profiles(cauce_home, '[profiles.default]\nCAUCE_HOME = "/elsewhere"\n')
        assert error_of(CAUCE_HOME=str(cauce_home)) == (
            "CAUCE_HOME cannot be set in a profile, only in the environment "
            f"(it locates the profiles) in profile 'default' of {path}"
        )


class TestBadValues:
    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            (
                "CAUCE_WATCHDOG_RUNNING_AFTER",
                "soon",
                "expected a duration such as 90, 30m or 2h, got 'soon'",
            ),
            ("CAUCE_LATE_AFTER", "-1s", "expected a duration such as 90, 30m or 2h, got '-1s'"),
            ("CAUCE_WATCHDOG_INTERVAL", "0", "expected a duration longer than zero"),
            ("CAUCE_WORKER_HEARTBEAT", "0s", "expected a duration longer than zero"),
            ("CAUCE_LOGGING_LEVEL", "LOUD", "expected DEBUG, INFO, WARNING, ERROR or CRITICAL"),
            ("CAUCE_API_URL", "127.0.0.2:5000/api", "expected an http(s) URL such as"),
            ("CAUCE_API_DATABASE_URL", "mysql://h/db", "expected sqlite:///path or postgresql"),
            ("CAUCE_API_AUTH_STRING", "admin", "expected user:password"),
            ("CAUCE_SERVER_PORT", "http", "expected a port number from 1 to 65535"),
            ("CAUCE_DEFAULT_TIMEZONE", "Buenos Aires", "expected an IANA timezone name"),
            ("CAUCE_LOGGING_FILE", "{flow}.log", "unknown placeholder {flow}"),
            ("CAUCE_LOGGING_FILE_MAX_BYTES", "big", "expected a size such as 10MB"),
            ("CAUCE_LOGGING_FILE_BACKUP_COUNT", "2.5", "expected a whole number"),
            ("CAUCE_WATCHDOG_ENABLED", "si", "expected true or false, got 'si'"),
        ],
    )
    def test_from_the_environment_names_the_variable(self, cauce_home, name, value, message):
        assert error_of(CAUCE_HOME=str(cauce_home), **{name: value}).startswith(
            f"{name}: {message}"
        )

    def test_the_issues_example_word_for_word(self, cauce_home):
        assert error_of(CAUCE_HOME=str(cauce_home), CAUCE_WATCHDOG_RUNNING_AFTER="soon") == (
            "CAUCE_WATCHDOG_RUNNING_AFTER: expected a duration such as 90, 30m or 2h, got 'soon'"
        )

    def test_from_a_profile_also_names_the_profile_and_file(self, cauce_home):
        path = write_profiles(
            cauce_home, '[profiles.default]\nCAUCE_WATCHDOG_RUNNING_AFTER = "soon"\n'
        )
        assert error_of(CAUCE_HOME=str(cauce_home)) == (
            "CAUCE_WATCHDOG_RUNNING_AFTER: expected a duration such as 90, 30m or 2h, "
            f"got 'soon' (in profile 'default' of {path})"
        )

    def test_a_good_environment_value_hides_a_bad_profile_value(self, cauce_home):
        write_profiles(cauce_home, '[profiles.default]\nCAUCE_LOGGING_LEVEL = "LOUD"\n')
        env = {"CAUCE_HOME": str(cauce_home), "CAUCE_LOGGING_LEVEL": "INFO"}
        assert resolve(env).settings.logging.level == "INFO"

    def test_problems_lists_every_bad_key_of_a_profile(self, cauce_home):
        path = write_profiles(
            cauce_home,
            '[profiles.default]\nCAUCE_LOGGING_LEVEL = "LOUD"\nCAUCE_LATE_AFTER = "1m"\n'
            'CAUCE_LOGING_FILE = "x"\nCAUCE_HOME = "/x"\n',
        )
        assert profile_problems(read_profiles(path), "default") == [
            "CAUCE_LOGGING_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'",
            "unknown setting CAUCE_LOGING_FILE (did you mean CAUCE_LOGGING_FILE?)",
            "CAUCE_HOME cannot be set in a profile, only in the environment "
            "(it locates the profiles)",
        ]


class TestUnknownNames:
    def test_in_a_profile_it_is_an_error_naming_the_key(self, cauce_home):
        path = write_profiles(cauce_home, '[profiles.default]\nCAUCE_LOGING_LEVEL = "DEBUG"\n')
        assert error_of(CAUCE_HOME=str(cauce_home)) == (
            f"unknown setting CAUCE_LOGING_LEVEL in profile 'default' of {path} "
            "(did you mean CAUCE_LOGGING_LEVEL?)"
        )

    def test_in_another_profile_it_does_not_matter(self, cauce_home):
        write_profiles(cauce_home, '[profiles.default]\n[profiles.old]\nCAUCE_NOPE = "1"\n')
        assert resolve({"CAUCE_HOME": str(cauce_home)}).profile == "default"

    def test_in_the_environment_it_is_a_warning(self, cauce_home, monkeypatch, capsys):
        monkeypatch.setenv("CAUCE_LOGING_LEVEL", "DEBUG")
        monkeypatch.setenv("CAUCE_PROFILE", "default")
        monkeypatch.setenv("CAUCE_DEBUG", "1")
        monkeypatch.setenv("CAUCE_TEST_POSTGRES_URL", "postgresql://x")
        assert get_settings().logging.level == "INFO"
        assert capsys.readouterr().err == (
            "cauce: warning: unknown setting CAUCE_LOGING_LEVEL in the environment "
            "(did you mean CAUCE_LOGGING_LEVEL?); ignored\n"
        )


class TestBrokenFile:
    def test_invalid_toml_is_reported_with_file_and_line(self, cauce_home):
        path = write_profiles(cauce_home, 'active = "default"\n[profiles.default\n')
        assert error_of(CAUCE_HOME=str(cauce_home)).startswith(
            f"{path}: invalid TOML at line 2, column 18: "
        )

    def test_reading_never_rewrites_it(self, cauce_home):
        text = "# mine\nactive = 'default'\n[profiles.default]\nCAUCE_API_URL = \"x\n"
        path = write_profiles(cauce_home, text)
        before = path.read_bytes()
        error_of(CAUCE_HOME=str(cauce_home))
        assert path.read_bytes() == before


def test_reading_settings_stays_cheap(tmp_path):
    """No pydantic, Rich, Typer or difflib; tomllib only when there is a profiles file."""
    code = (
        "import sys\n"
        "from cauce.settings import get_settings\n"
        "get_settings()\n"
        "names = ('pydantic', 'rich', 'typer', 'difflib', 'tomllib')\n"
        "print(' '.join(name for name in names if name in sys.modules))\n"
    )
    env = {"CAUCE_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []
    write_profiles(tmp_path / "home", '[profiles.default]\nCAUCE_LOGGING_LEVEL = "DEBUG"\n')
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["tomllib"]
