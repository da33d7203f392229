"""`cauce profile ls | create | use | inspect | rename | delete`, through `main()` in this process.

One journey runs in fresh interpreters, as a user switches between profiles.
"""

from __future__ import annotations

import pytest

from tests.cli.conftest import one_line_error


def test_a_user_switches_profiles(cli, env, home):
    """The journey, each step in a fresh interpreter."""
    steps = [
        ["profile", "create", "servidor"],
        ["profile", "use", "servidor"],
        ["config", "set", "CAUCE_API_URL=http://127.0.0.2:5000/api"],
        ["profile", "ls"],
    ]
    results = [cli(env, *args) for args in steps]
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    assert results[-1].stdout == "  default\n* servidor\n"
    view = cli(env, "config", "view")
    assert view.stdout.splitlines()[:2] == [
        "CAUCE_PROFILE='servidor'",
        "CAUCE_API_URL='http://127.0.0.2:5000/api' (from profile)",
    ]
    local = cli({**env, "CAUCE_PROFILE": "default"}, "config", "view")
    assert local.stdout == f"CAUCE_PROFILE='default'\nCAUCE_HOME='{home}' (from env)\n"


class TestLs:
    def test_no_file_yet_is_the_default_profile(self, run_main, env, home):
        assert run_main(env, "profile", "ls").stdout == "* default\n"
        assert not home.exists()

    def test_marks_the_one_in_use(self, run_main, env):
        run_main(env, "profile", "create", "dev")
        assert run_main(env, "profile", "ls").stdout == "* default\n  dev\n"
        in_use = run_main({**env, "CAUCE_PROFILE": "dev"}, "profile", "ls")
        assert in_use.stdout == "  default\n* dev\n"


class TestCreate:
    def test_empty(self, run_main, env):
        result = run_main(env, "profile", "create", "dev")
        assert result.stdout == (
            "Created profile 'dev'.\n"
            "Use it with `cauce profile use dev`, or for one command with CAUCE_PROFILE=dev.\n"
        )
        assert run_main(env, "profile", "inspect", "dev").stdout == "Profile 'dev' is empty.\n"

    def test_from_another(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        run_main(env, "profile", "create", "dev", "--from", "default")
        assert run_main(env, "profile", "inspect", "dev").stdout == "CAUCE_LOGGING_LEVEL='DEBUG'\n"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["default"], "Profile 'default' already exists"),
            (
                ["mi perfil"],
                "'mi perfil' cannot be a profile name; use letters, digits, '-' and '_'",
            ),
            (["dev", "--from", "nope"], "No profile named 'nope' in "),
        ],
    )
    def test_refused(self, run_main, env, args, message):
        assert one_line_error(run_main(env, "profile", "create", *args)).startswith(message)


class TestUse:
    def test_makes_it_active(self, run_main, env):
        run_main(env, "profile", "create", "dev")
        assert run_main(env, "profile", "use", "dev").stdout == "Profile 'dev' is now active.\n"
        assert run_main(env, "config", "view").stdout.startswith("CAUCE_PROFILE='dev'\n")

    def test_a_missing_profile(self, run_main, env, home):
        assert one_line_error(run_main(env, "profile", "use", "nope")) == (
            f"No profile named 'nope' in {home / 'profiles.toml'} (profiles: default)"
        )

    def test_warns_about_bad_settings_but_switches(self, run_main, env, home):
        home.mkdir()
        (home / "profiles.toml").write_text(
            '[profiles.default]\n[profiles.dev]\nCAUCE_LATE_AFTER = "later"\n'
        )
        result = run_main(env, "profile", "use", "dev")
        assert result.returncode == 0
        assert result.stderr == (
            "cauce: warning: profile 'dev' has bad settings; see `cauce config validate`\n"
        )
        assert one_line_error(run_main(env, "config", "validate")).startswith("Profile 'dev' in ")
        assert run_main(env, "profile", "use", "default").returncode == 0

    def test_an_active_profile_that_is_gone_can_be_replaced(self, run_main, env, home):
        home.mkdir()
        (home / "profiles.toml").write_text('active = "gone"\n[profiles.default]\n')
        assert one_line_error(run_main(env, "flow", "ls")).endswith(
            "choose one with `cauce profile use NAME`"
        )
        assert run_main(env, "profile", "use", "default").returncode == 0


class TestInspect:
    def test_the_one_in_use_by_default_with_passwords_hidden(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_API_AUTH_STRING=admin:s3cret", "CAUCE_LATE_AFTER=90")
        result = run_main(env, "profile", "inspect")
        assert result.stdout == "CAUCE_API_AUTH_STRING='admin:********'\nCAUCE_LATE_AFTER='90'\n"

    def test_a_missing_profile(self, run_main, env):
        assert one_line_error(run_main(env, "profile", "inspect", "nope")).startswith(
            "No profile named 'nope'"
        )


class TestRename:
    def test_the_active_one_stays_active(self, run_main, env):
        run_main(env, "config", "set", "CAUCE_LOGGING_LEVEL=DEBUG")
        result = run_main(env, "profile", "rename", "default", "local")
        assert result.stdout == "Renamed profile 'default' to 'local'.\n"
        assert run_main(env, "profile", "ls").stdout == "* local\n"
        assert (
            "CAUCE_LOGGING_LEVEL='DEBUG' (from profile)" in run_main(env, "config", "view").stdout
        )

    def test_onto_an_existing_name(self, run_main, env):
        run_main(env, "profile", "create", "dev")
        result = run_main(env, "profile", "rename", "dev", "default")
        assert one_line_error(result) == "Profile 'default' already exists"


class TestDelete:
    def test_the_active_one_cannot_be_deleted(self, run_main, env):
        assert one_line_error(run_main(env, "profile", "delete", "default")) == (
            "Profile 'default' is active; switch to another with `cauce profile use NAME` "
            "before deleting it"
        )

    def test_another_one(self, run_main, env):
        run_main(env, "profile", "create", "dev")
        assert run_main(env, "profile", "delete", "dev").stdout == "Deleted profile 'dev'.\n"
        assert run_main(env, "profile", "ls").stdout == "* default\n"

    def test_keeps_the_other_profiles_untouched(self, run_main, env, home):
        home.mkdir()
        path = home / "profiles.toml"
        path.write_text(
            'active = "default"\n[profiles.default]\nCAUCE_API_URL = "http://h/api"\n'
            "[profiles.dev]\n[profiles.old]\nCAUCE_SERVER_PORT = 4300\n"
        )
        run_main(env, "profile", "delete", "dev")
        assert path.read_text() == (
            'active = "default"\n\n[profiles.default]\nCAUCE_API_URL = "http://h/api"\n\n'
            '[profiles.old]\nCAUCE_SERVER_PORT = "4300"\n'
        )
