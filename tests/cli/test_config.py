"""`cauce config set | unset | view | validate`, and how a bad setting ends any command.

Most cases run through `main()` in this process (`run_main`); the guide's
profile example and a bad value under `cauce flow-run ls` run in a fresh
interpreter, typed into a shell as a user would.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

from tests.cli.conftest import one_line_error

WINDOWS_PATH = r"C:\Users\tareas\.prefect\logging_new.yml"


@pytest.fixture
def profiles_file(home):
    return home / "profiles.toml"


def shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`command` typed into bash, where `cauce` is this interpreter's CLI."""
    cauce = f"{shlex.quote(sys.executable)} -m cauce.cli.main"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    full_env.update(env)
    return subprocess.run(
        ["bash", "-c", command.replace("cauce ", f"{cauce} ", 1)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestTheGuidesProfileExample:
    def test_typed_in_a_shell_and_viewed_with_sources(self, tmp_path, env, home):
        logging_yml = tmp_path / "logging_new.yml"
        result = shell(
            "cauce config set CAUCE_API_URL='http://127.0.0.2:5000/api' "
            f"CAUCE_LOGGING_SETTINGS_PATH='{logging_yml}'",
            env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "Set 'CAUCE_API_URL' to 'http://127.0.0.2:5000/api'.\n"
            f"Set 'CAUCE_LOGGING_SETTINGS_PATH' to '{logging_yml}'.\n"
            "Updated profile 'default'.\n"
        )
        view = shell("cauce config view", env)
        assert view.returncode == 0, view.stderr
        assert view.stdout.splitlines() == [
            "CAUCE_PROFILE='default'",
            "CAUCE_API_URL='http://127.0.0.2:5000/api' (from profile)",
            f"CAUCE_HOME='{home}' (from env)",
            f"CAUCE_LOGGING_SETTINGS_PATH='{logging_yml}' (from profile)",
        ]

    def test_a_windows_path_with_its_quotes_as_cmd_passes_them(self, run_main, env):
        result = run_main(env, "config", "set", f"CAUCE_LOGGING_SETTINGS_PATH='{WINDOWS_PATH}'")
        assert result.returncode == 0, result.stderr
        view = run_main(env, "config", "view", "--hide-sources")
        assert f"CAUCE_LOGGING_SETTINGS_PATH='{WINDOWS_PATH}'" in view.stdout.splitlines()


class TestSet:
    def test_several_at_once_in_the_active_profile(self, run_main, env, profiles_file):
        result = run_main(
            env, "config", "set", "CAUCE_LOGGING_EXTRA_LOGGERS=custom,test", "CAUCE_LATE_AFTER=90"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "Set 'CAUCE_LOGGING_EXTRA_LOGGERS' to 'custom,test'.\n"
            "Set 'CAUCE_LATE_AFTER' to '90s'.\n"
            "Updated profile 'default'.\n"
        )
        assert profiles_file.read_text() == (
            'active = "default"\n\n[profiles.default]\n'
            'CAUCE_LOGGING_EXTRA_LOGGERS = "custom,test"\nCAUCE_LATE_AFTER = "90"\n'
        )

    def test_setting_again_replaces_in_place(self, run_main, env, profiles_file):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG", "CAUCE_SERVER_PORT=4300")
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=ERROR")
        assert profiles_file.read_text().splitlines()[-2:] == [
            'CAUCE_LOGGING_LEVEL = "ERROR"',
            'CAUCE_SERVER_PORT = "4300"',
        ]

    def test_the_name_in_any_case(self, run_main, env):
        assert run_main(env, "config", "set", "cauce_logging_level=debug").returncode == 0
        view = run_main(env, "config", "view")
        assert "CAUCE_LOGGING_LEVEL='DEBUG' (from profile)" in view.stdout

    def test_the_password_is_never_printed(self, run_main, env, profiles_file):
        result = run_main(env, "config", "set", "CAUCE_API_AUTH_STRING=admin:s3cret")
        assert "Set 'CAUCE_API_AUTH_STRING' to 'admin:********'." in result.stdout
        assert "s3cret" in profiles_file.read_text()
        view = run_main(env, "config", "view")
        assert "CAUCE_API_AUTH_STRING='admin:********' (from profile)" in view.stdout
        assert "s3cret" not in view.stdout
        shown = run_main(env, "config", "view", "--show-secrets")
        assert "CAUCE_API_AUTH_STRING='admin:s3cret' (from profile)" in shown.stdout

    def test_an_unknown_name_suggests_the_closest(self, run_main, env, profiles_file):
        result = run_main(env, "config", "set", "CAUCE_LOGING_LEVEL=DEBUG")
        assert one_line_error(result) == (
            "unknown setting CAUCE_LOGING_LEVEL (did you mean CAUCE_LOGGING_LEVEL?)"
        )
        assert not profiles_file.exists()

    @pytest.mark.parametrize(
        ("assignment", "message"),
        [
            (
                "CAUCE_WATCHDOG_RUNNING_AFTER=soon",
                "CAUCE_WATCHDOG_RUNNING_AFTER: expected a duration such as 90, 30m or 2h, "
                "got 'soon'",
            ),
            (
                "CAUCE_API_URL=127.0.0.2:5000/api",
                "CAUCE_API_URL: expected an http(s) URL such as http://127.0.0.1:4200/api, "
                "got '127.0.0.2:5000/api'",
            ),
            (
                "CAUCE_API_URL=",
                "CAUCE_API_URL: empty value; to go back to the default run "
                "`cauce config unset CAUCE_API_URL`",
            ),
            (
                "CAUCE_HOME=/elsewhere",
                "CAUCE_HOME cannot be set in a profile, only in the "
                "environment (it locates the profiles)",
            ),
            ("CAUCE_LOGGING_LEVEL", "Expected KEY=VALUE, got 'CAUCE_LOGGING_LEVEL'"),
        ],
    )
    def test_a_bad_assignment_changes_nothing(
        self, run_main, env, profiles_file, assignment, message
    ):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        before = profiles_file.read_bytes()
        result = run_main(env, "config", "set", "CAUCE_SERVER_PORT=4300", assignment)
        assert one_line_error(result) == message
        assert profiles_file.read_bytes() == before

    def test_fixes_a_bad_value_the_profile_holds(self, run_main, env, profiles_file):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        with profiles_file.open("a") as file:
            file.write('CAUCE_WATCHDOG_RUNNING_AFTER = "soon"\n')
        assert run_main(env, "config", "view").returncode == 1
        result = run_main(env, "config", "set", "CAUCE_WATCHDOG_RUNNING_AFTER=3h")
        assert result.returncode == 0, result.stderr
        assert "CAUCE_WATCHDOG_RUNNING_AFTER='3h'" in run_main(env, "config", "view").stdout

    def test_warns_when_the_environment_overrides_it(self, run_main, env):
        result = run_main({**env, "CAUCE_LATE_AFTER": "5s"}, "config", "set", "CAUCE_LATE_AFTER=1m")
        assert result.returncode == 0
        assert result.stderr == (
            "cauce: warning: CAUCE_LATE_AFTER is also set in the environment, which overrides "
            "the profile; unset it there for this value to apply.\n"
        )

    def test_cauce_profile_picks_the_profile_changed(self, run_main, env):
        run_main(env, "profile", "create", "dev")
        dev = {**env, "CAUCE_PROFILE": "dev"}
        result = run_main(dev, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        assert result.stdout.endswith("Updated profile 'dev'.\n")
        assert run_main(env, "profile", "inspect", "default").stdout == (
            "Profile 'default' is empty.\n"
        )
        assert run_main(env, "profile", "inspect", "dev").stdout == "CAUCE_LOGGING_LEVEL='DEBUG'\n"

    def test_cauce_profile_naming_no_profile(self, run_main, env, profiles_file):
        result = run_main({**env, "CAUCE_PROFILE": "nope"}, "config", "set", "CAUCE_LATE_AFTER=1m")
        assert one_line_error(result).startswith("CAUCE_PROFILE: No profile named 'nope' in ")
        assert not profiles_file.exists()


class TestUnset:
    def test_goes_back_to_the_default(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG", "CAUCE_LATE_AFTER=1m")
        result = run_main(env, "config", "unset", "CAUCE_LOGGING_LEVEL")
        assert result.stdout == "Unset 'CAUCE_LOGGING_LEVEL'.\nUpdated profile 'default'.\n"
        view = run_main(env, "config", "view", "--show-defaults")
        assert "CAUCE_LOGGING_LEVEL='INFO' (from defaults)" in view.stdout
        assert "CAUCE_LATE_AFTER='1m' (from profile)" in view.stdout

    def test_a_setting_not_in_the_profile(self, run_main, env):
        result = run_main(env, "config", "unset", "CAUCE_LOGGING_LEVEL")
        assert one_line_error(result) == "CAUCE_LOGGING_LEVEL is not set in profile 'default'"

    def test_an_unknown_name(self, run_main, env):
        result = run_main(env, "config", "unset", "CAUCE_LOGING_LEVEL")
        assert one_line_error(result) == (
            "unknown setting CAUCE_LOGING_LEVEL (did you mean CAUCE_LOGGING_LEVEL?)"
        )

    def test_removes_an_unknown_name_written_by_hand(self, run_main, env, home):
        home.mkdir()
        (home / "profiles.toml").write_text('[profiles.default]\nCAUCE_LOGING_LEVEL = "DEBUG"\n')
        assert run_main(env, "config", "view").returncode == 1
        assert run_main(env, "config", "unset", "CAUCE_LOGING_LEVEL").returncode == 0
        assert run_main(env, "config", "view").returncode == 0


class TestView:
    def test_nothing_set_shows_the_profile_and_home(self, run_main, env, home):
        result = run_main(env, "config", "view")
        assert result.stdout == f"CAUCE_PROFILE='default'\nCAUCE_HOME='{home}' (from env)\n"

    def test_show_defaults_lists_every_setting_sorted(self, run_main, env, home):
        result = run_main({**env, "TZ": "Asia/Kolkata"}, "config", "view", "--show-defaults")
        assert result.stdout.splitlines() == [
            "CAUCE_PROFILE='default'",
            "CAUCE_API_AUTH_STRING=None (from defaults)",
            f"CAUCE_API_DATABASE_URL='sqlite:///{home / 'cauce.db'}' (from defaults)",
            "CAUCE_API_RETRY_TIMEOUT='30s' (from defaults)",
            "CAUCE_API_URL=None (from defaults)",
            "CAUCE_DEFAULT_TIMEZONE='Asia/Kolkata' (from defaults)",
            f"CAUCE_HOME='{home}' (from env)",
            "CAUCE_LATE_AFTER='15s' (from defaults)",
            "CAUCE_LOGGING_EXTRA_LOGGERS='' (from defaults)",
            "CAUCE_LOGGING_FILE=None (from defaults)",
            "CAUCE_LOGGING_FILE_BACKUP_COUNT='5' (from defaults)",
            "CAUCE_LOGGING_FILE_MAX_BYTES='10MB' (from defaults)",
            "CAUCE_LOGGING_LEVEL='INFO' (from defaults)",
            "CAUCE_LOGGING_SETTINGS_PATH=None (from defaults)",
            "CAUCE_SERVER_DATABASE_POOL_SIZE='5' (from defaults)",
            "CAUCE_SERVER_HOST='127.0.0.1' (from defaults)",
            "CAUCE_SERVER_PORT='4200' (from defaults)",
            "CAUCE_SERVER_RETENTION=None (from defaults)",
            "CAUCE_SERVER_SCHEDULER_INTERVAL='10s' (from defaults)",
            "CAUCE_WATCHDOG_ENABLED='true' (from defaults)",
            "CAUCE_WATCHDOG_INTERVAL='30m' (from defaults)",
            "CAUCE_WATCHDOG_LATE_AFTER='4h' (from defaults)",
            "CAUCE_WATCHDOG_RUNNING_AFTER='2h' (from defaults)",
            "CAUCE_WORKER_HEARTBEAT='30s' (from defaults)",
        ]

    def test_environment_over_profile(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG", "CAUCE_LATE_AFTER=1m")
        result = run_main({**env, "CAUCE_LOGGING_LEVEL": "error"}, "config", "view")
        assert "CAUCE_LOGGING_LEVEL='ERROR' (from env)" in result.stdout
        assert "CAUCE_LATE_AFTER='1m' (from profile)" in result.stdout

    def test_hide_sources(self, run_main, env, home):
        result = run_main(env, "config", "view", "--hide-sources")
        assert result.stdout == f"CAUCE_PROFILE='default'\nCAUCE_HOME='{home}'\n"

    def test_a_database_password_is_hidden(self, run_main, env):
        url = "postgresql://cauce:s3cret@db:5432/cauce"
        result = run_main({**env, "CAUCE_API_DATABASE_URL": url}, "config", "view")
        assert "CAUCE_API_DATABASE_URL='postgresql://cauce:***@db:5432/cauce' (from env)" in (
            result.stdout
        )

    def test_an_unknown_variable_is_a_warning(self, run_main, env):
        result = run_main({**env, "CAUCE_LOGING_LEVEL": "DEBUG"}, "config", "view")
        assert result.returncode == 0
        assert result.stderr == (
            "cauce: warning: unknown setting CAUCE_LOGING_LEVEL in the environment "
            "(did you mean CAUCE_LOGGING_LEVEL?); ignored\n"
        )

    def test_a_bad_value_is_one_line(self, run_main, env):
        result = run_main({**env, "CAUCE_WATCHDOG_RUNNING_AFTER": "soon"}, "config", "view")
        assert one_line_error(result) == (
            "CAUCE_WATCHDOG_RUNNING_AFTER: expected a duration such as 90, 30m or 2h, got 'soon'"
        )


class TestValidate:
    def test_a_good_profile(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        result = run_main(env, "config", "validate")
        assert result.stdout == "Profile 'default' is valid (1 setting set).\n"

    def test_names_every_bad_setting(self, run_main, env, home):
        home.mkdir()
        path = home / "profiles.toml"
        path.write_text(
            '[profiles.default]\nCAUCE_LOGGING_LEVEL = "LOUD"\nCAUCE_LATE_AFTER = "1m"\n'
            'CAUCE_WATCHDOG_RUNNING_AFTER = "soon"\nCAUCE_LOGING_FILE = "x.log"\n'
        )
        assert one_line_error(run_main(env, "config", "validate")) == (
            f"Profile 'default' in {path} has 3 bad settings: "
            "CAUCE_LOGGING_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'; "
            "CAUCE_WATCHDOG_RUNNING_AFTER: expected a duration such as 90, 30m or 2h, "
            "got 'soon'; "
            "unknown setting CAUCE_LOGING_FILE (did you mean CAUCE_LOGGING_FILE?)"
        )

    def test_also_the_environment(self, run_main, env):
        result = run_main({**env, "CAUCE_SERVER_PORT": "http"}, "config", "validate")
        assert one_line_error(result).startswith("CAUCE_SERVER_PORT: expected a port number")


class TestBrokenProfilesFile:
    TEXT = '# edited by hand\nactive = "default"\n\n[profiles.default]\nCAUCE_API_URL = "http://x\n'

    @pytest.mark.parametrize(
        "args",
        [
            ["config", "set", "CAUCE_LOGGING_LEVEL=DEBUG"],
            ["config", "unset", "CAUCE_API_URL"],
            ["config", "view"],
            ["config", "validate"],
            ["profile", "create", "dev"],
            ["profile", "use", "default"],
            ["profile", "ls"],
            ["flow-run", "ls"],
            ["version"],
        ],
    )
    def test_is_reported_with_its_line_and_kept_byte_for_byte(self, run_main, env, home, args):
        home.mkdir()
        path = home / "profiles.toml"
        path.write_text(self.TEXT)
        before = path.read_bytes()
        assert one_line_error(run_main(env, *args)) == (
            f"{path}: invalid TOML at line 5, column 26: Illegal character '\\n'"
        )
        assert path.read_bytes() == before
        assert os.listdir(home) == ["profiles.toml"]


class TestCommandsThatReadSettings:
    def test_a_bad_value_in_the_environment_is_one_line(self, env):
        result = shell("CAUCE_LOGGING_LEVEL=LOUD cauce flow-run ls", env)
        assert one_line_error(result) == (
            "CAUCE_LOGGING_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'"
        )

    @pytest.mark.parametrize("args", [["flow", "ls"], ["flow-run", "ls"], ["version"]])
    def test_a_bad_value_in_the_profile_is_one_line(self, run_main, env, home, args):
        run_main(env, "config", "set", "CAUCE_LATE_AFTER=1m")
        with (home / "profiles.toml").open("a") as file:
            file.write('CAUCE_API_URL = "127.0.0.2:5000/api"\n')
        assert one_line_error(run_main(env, *args)).startswith(
            "CAUCE_API_URL: expected an http(s) URL such as http://127.0.0.1:4200/api, "
            "got '127.0.0.2:5000/api' (in profile 'default' of "
        )
