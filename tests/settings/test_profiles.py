"""profiles.toml: read, written back whole and atomically, and never rewritten when broken."""

from __future__ import annotations

import os
import tomllib

import pytest

from cauce.settings import SettingsError
from cauce.settings.profiles import Profiles, dumps, read_profiles

WINDOWS_PATH = r"C:\Users\tareas\.prefect\logging_new.yml"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "home" / "profiles.toml"


class TestReading:
    def test_no_file_is_one_empty_default_profile(self, path):
        profiles = read_profiles(path)
        assert (profiles.active, profiles.profiles) == ("default", {"default": {}})
        assert not path.exists()

    def test_prefects_shape(self, path):
        path.parent.mkdir()
        path.write_text(
            'active = "dev"\n\n[profiles.default]\n\n'
            '[profiles.dev]\nCAUCE_API_URL = "http://127.0.0.2:5000/api"\n'
        )
        profiles = read_profiles(path)
        assert profiles.active == "dev"
        assert profiles.profiles == {
            "default": {},
            "dev": {"CAUCE_API_URL": "http://127.0.0.2:5000/api"},
        }

    def test_values_typed_by_hand_as_numbers_booleans_or_lists_become_text(self, path):
        path.parent.mkdir()
        path.write_text(
            "[profiles.default]\nCAUCE_SERVER_PORT = 4300\nCAUCE_WATCHDOG_ENABLED = false\n"
            'CAUCE_LOGGING_EXTRA_LOGGERS = ["custom", "test"]\n'
        )
        assert read_profiles(path).profiles["default"] == {
            "CAUCE_SERVER_PORT": "4300",
            "CAUCE_WATCHDOG_ENABLED": "false",
            "CAUCE_LOGGING_EXTRA_LOGGERS": "custom,test",
        }

    def test_a_byte_order_mark_from_notepad_is_fine(self, path):
        path.parent.mkdir()
        path.write_bytes(b'\xef\xbb\xbfactive = "default"\n')
        assert read_profiles(path).active == "default"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                'active = "default"\n[profiles.default]\nCAUCE_API_URL = "http://x\n',
                "invalid TOML at line 3, column 26: Illegal character",
            ),
            ("[profiles.default\n", "invalid TOML at line 1, column 18: Expected ']'"),
            ("active = \n", "invalid TOML at line 1, column 10: Invalid value"),
            (
                '[profiles.default]\nCAUCE_LOGGING_SETTINGS_PATH = "C:\\Users\\x.yml"\n',
                'invalid TOML at line 2, column 36: Invalid hex value (inside "..." write \\\\ '
                "for each \\, or use '...' for Windows paths)",
            ),
            ("active = 1\n", "`active` must be a profile name in quotes"),
            ("other = 1\n", "unknown key 'other'"),
            ("profiles = 1\n", "`profiles` must hold [profiles.NAME] tables"),
            ("[profiles]\ndev = 1\n", "profiles.dev must be a [profiles.dev] table"),
            ("[profiles.dev.nested]\nA = 1\n", "profile 'dev': nested must be a string"),
        ],
    )
    def test_a_broken_file_is_named_with_its_line(self, path, text, message):
        path.parent.mkdir()
        path.write_text(text)
        with pytest.raises(SettingsError) as caught:
            read_profiles(path)
        assert str(caught.value).startswith(f"{path}: {message}")
        assert "\n" not in str(caught.value)

    def test_the_end_of_the_file_has_a_line_too(self, path):
        path.parent.mkdir()
        path.write_text('active = "default"\n[profiles.default]\nA = ')
        with pytest.raises(SettingsError, match="invalid TOML at line 3, column 5: "):
            read_profiles(path)

    def test_not_utf8(self, path):
        path.parent.mkdir()
        path.write_bytes(b"active = '\xff'\n")
        with pytest.raises(SettingsError, match="is not UTF-8 text"):
            read_profiles(path)


class TestWriting:
    def test_round_trip_keeps_every_profile_key_and_order(self, path):
        profiles = Profiles(
            path,
            "dev",
            {
                "default": {"CAUCE_UNKNOWN_BY_HAND": "kept", "CAUCE_API_URL": "http://h/api"},
                "dev": {},
                "with space": {"CAUCE_LOGGING_FILE": 'a "quoted"\tname\x01'},
            },
        )
        profiles.save()
        again = read_profiles(path)
        assert (again.active, again.profiles) == (profiles.active, profiles.profiles)
        assert list(again.profiles["default"]) == ["CAUCE_UNKNOWN_BY_HAND", "CAUCE_API_URL"]

    def test_windows_paths_are_written_as_literal_strings(self, path):
        profiles = Profiles(
            path, profiles={"default": {"CAUCE_LOGGING_SETTINGS_PATH": WINDOWS_PATH}}
        )
        assert f"CAUCE_LOGGING_SETTINGS_PATH = '{WINDOWS_PATH}'" in dumps(profiles)
        assert tomllib.loads(dumps(profiles))["profiles"]["default"] == {
            "CAUCE_LOGGING_SETTINGS_PATH": WINDOWS_PATH
        }

    @pytest.mark.parametrize("value", ["it's C:\\x", "a\\b\nc", "\x7f", "ñandú 🦤", ""])
    def test_any_text_reads_back(self, path, value):
        text = dumps(Profiles(path, profiles={"default": {"K": value}}))
        assert tomllib.loads(text)["profiles"]["default"]["K"] == value

    def test_the_written_file_is_prefects_shape(self, path):
        profiles = Profiles(path, profiles={"default": {"CAUCE_API_URL": "http://h/api"}})
        assert dumps(profiles) == (
            'active = "default"\n\n[profiles.default]\nCAUCE_API_URL = "http://h/api"\n'
        )

    def test_save_replaces_the_file_and_leaves_no_temporary(self, path):
        Profiles(path).save()
        Profiles(path, "default", {"default": {"A": "1"}}).save()
        assert os.listdir(path.parent) == ["profiles.toml"]
        assert read_profiles(path).profiles == {"default": {"A": "1"}}

    def test_only_its_owner_may_read_it(self, path):
        Profiles(path).save()
        assert path.stat().st_mode & 0o077 == 0

    def test_a_failed_write_leaves_the_old_file(self, path, monkeypatch):
        Profiles(path, profiles={"default": {"A": "1"}}).save()
        before = path.read_bytes()

        def fail(*args):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", fail)
        with pytest.raises(OSError):
            Profiles(path, profiles={"default": {"A": "2"}}).save()
        assert path.read_bytes() == before
        assert os.listdir(path.parent) == ["profiles.toml"]


class TestChanges:
    @pytest.fixture
    def profiles(self, path):
        return Profiles(path, "default", {"default": {"A": "1"}, "dev": {"B": "2"}})

    def test_create_empty_or_as_a_copy(self, profiles):
        profiles.create("empty")
        profiles.create("copy", copy_from="default")
        assert profiles.profiles["empty"] == {}
        assert profiles.profiles["copy"] == {"A": "1"}
        profiles.profiles["copy"]["A"] = "changed"
        assert profiles.profiles["default"] == {"A": "1"}

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("dev", "Profile 'dev' already exists"),
            ("bad name", "'bad name' cannot be a profile name"),
            ("", "'' cannot be a profile name"),
        ],
    )
    def test_create_refuses(self, profiles, name, message):
        with pytest.raises(SettingsError, match=message):
            profiles.create(name)

    def test_create_from_a_missing_profile(self, profiles):
        with pytest.raises(SettingsError, match="No profile named 'nope'"):
            profiles.create("x", copy_from="nope")

    def test_rename_keeps_the_place_and_the_active_mark(self, profiles):
        profiles.rename("default", "main")
        assert list(profiles.profiles) == ["main", "dev"]
        assert profiles.active == "main"

    def test_the_active_profile_cannot_be_deleted(self, profiles):
        with pytest.raises(SettingsError, match="Profile 'default' is active; switch to another"):
            profiles.delete("default")
        profiles.delete("dev")
        assert list(profiles.profiles) == ["default"]

    def test_use_a_missing_profile(self, profiles):
        with pytest.raises(SettingsError) as caught:
            profiles.use("nope")
        assert str(caught.value) == (
            f"No profile named 'nope' in {profiles.path} (profiles: default, dev)"
        )
