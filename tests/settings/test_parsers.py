"""Each kind of value: what is accepted, and the one-line error for what is not."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from cauce.settings import parsers


class TestAccepted:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("true", True),
            ("TRUE", True),
            ("1", True),
            ("yes", True),
            ("on", True),
            ("false", False),
            ("0", False),
            ("No", False),
            ("off", False),
        ],
    )
    def test_booleans(self, text, value):
        assert parsers.parse_bool(text) is value

    @pytest.mark.parametrize(
        ("text", "size"),
        [("1048576", 1048576), ("10MB", 10 * 1024**2), ("512 kb", 512 * 1024), ("1GB", 1024**3)],
    )
    def test_sizes(self, text, size):
        assert parsers.parse_bytes(text) == size

    @pytest.mark.parametrize("size", [10 * 1024**2, 512 * 1024, 1024**3, 1000])
    def test_sizes_read_back(self, size):
        assert parsers.parse_bytes(parsers.show_bytes(size)) == size

    def test_names_drop_spaces_and_empty_items(self):
        assert parsers.parse_names(" custom, test,,") == ("custom", "test")
        assert parsers.parse_names("") == ()

    def test_levels_in_any_case(self):
        assert parsers.parse_level("debug") == "DEBUG"

    def test_http_url_loses_its_trailing_slash(self):
        assert parsers.parse_http_url("http://127.0.0.2:5000/api/") == "http://127.0.0.2:5000/api"

    @pytest.mark.parametrize(
        "url", ["sqlite:///x.db", "postgresql://u:p@h/db", "postgresql+psycopg://h/db"]
    )
    def test_database_urls(self, url):
        assert parsers.parse_database_url(url) == url

    def test_paths_expand_the_home_folder(self):
        assert parsers.parse_path("~/logging.yml") == Path.home() / "logging.yml"

    def test_windows_paths_are_kept_as_typed(self):
        raw = r"C:\Users\tareas\.prefect\logging_new.yml"
        assert str(parsers.parse_path(raw)) == raw

    def test_timezones(self):
        assert parsers.parse_timezone("America/Argentina/Buenos_Aires") == (
            "America/Argentina/Buenos_Aires"
        )

    def test_log_file_with_its_placeholders(self):
        text = "{script_dir}/logs/{flow_name}-{date}.log"
        assert parsers.parse_log_file(text) == text

    def test_machine_timezone_follows_tz(self, monkeypatch):
        monkeypatch.setenv("TZ", "Asia/Kolkata")
        assert parsers.machine_timezone() == "Asia/Kolkata"

    def test_machine_timezone_is_always_a_valid_name(self, monkeypatch):
        monkeypatch.delenv("TZ", raising=False)
        assert parsers.parse_timezone(parsers.machine_timezone())


class TestRejected:
    @pytest.mark.parametrize(
        ("parse", "text", "message"),
        [
            (parsers.parse_bool, "maybe", "expected true or false, got 'maybe'"),
            (parsers.parse_count, "-1", "expected a whole number such as 5, got '-1'"),
            (parsers.parse_count, "five", "expected a whole number such as 5, got 'five'"),
            (parsers.parse_port, "0", "expected a port number from 1 to 65535, got '0'"),
            (parsers.parse_port, "99999", "expected a port number from 1 to 65535, got '99999'"),
            (parsers.parse_bytes, "10XB", "expected a size such as 10MB, 512KB or 1048576"),
            (parsers.parse_bytes, "0", "expected a size such as 10MB"),
            (parsers.parse_level, "LOUD", "expected DEBUG, INFO, WARNING, ERROR or CRITICAL"),
            (parsers.parse_http_url, "localhost:4200", "expected an http(s) URL such as"),
            (parsers.parse_http_url, "ftp://host/api", "expected an http(s) URL such as"),
            (parsers.parse_http_url, "http://", "expected an http(s) URL such as"),
            (parsers.parse_http_url, "http://h:99999/api", "expected an http(s) URL such as"),
            (parsers.parse_database_url, "mysql://h/db", "expected sqlite:///path or postgresql"),
            (parsers.parse_timezone, "Mars/Base", "expected an IANA timezone name"),
            (parsers.parse_timezone, "../etc", "expected an IANA timezone name"),
            (parsers.parse_log_file, "{flowname}.log", "unknown placeholder {flowname}"),
            (parsers.parse_log_file, "{oops.log", "expected a file path"),
            (parsers.parse_text, "  ", "expected a value, got blank text"),
            (parsers.parse_period, "0", "expected a duration longer than zero"),
        ],
    )
    def test_message_says_what_is_expected(self, parse, text, message):
        with pytest.raises(ValueError) as caught:
            parse(text)
        assert str(caught.value).startswith(message)
        assert "\n" not in str(caught.value)

    def test_a_bad_database_url_does_not_repeat_its_password(self):
        with pytest.raises(ValueError) as caught:
            parsers.parse_database_url("mysql://cauce:s3cret@h/db")
        assert "s3cret" not in str(caught.value)
        assert "mysql://cauce:***@h/db" in str(caught.value)

    @pytest.mark.parametrize("text", ["admin", "admin:", ":secret", "s3cret"])
    def test_a_bad_auth_string_is_never_repeated(self, text):
        with pytest.raises(ValueError) as caught:
            parsers.parse_auth_string(text)
        assert str(caught.value) == (
            "expected user:password, with a ':' between a user name and a password"
        )


class TestHiding:
    def test_auth_string_shows_only_the_user(self):
        assert parsers.hide_auth_string("admin:s3cret") == "admin:********"

    def test_url_password(self):
        assert parsers.hide_password("postgresql://u:p@h:5432/db") == "postgresql://u:***@h:5432/db"
        assert parsers.hide_password("sqlite:///x.db") == "sqlite:///x.db"

    def test_quoted_keeps_backslashes_and_one_line(self):
        assert parsers.quoted("C:\\x") == "'C:\\x'"
        assert parsers.quoted("a\nb") == "'a\\nb'"


class TestBoundaries:
    @pytest.mark.parametrize(("text", "port"), [("1", 1), ("65535", 65535), (" 8080 ", 8080)])
    def test_ports_from_1_to_65535(self, text, port):
        assert parsers.parse_port(text) == port

    def test_port_65536_is_refused(self):
        with pytest.raises(ValueError, match="expected a port number from 1 to 65535"):
            parsers.parse_port("65536")

    @pytest.mark.parametrize(
        ("size", "text"),
        [
            (2048, "2KB"),
            (1536, "1536"),
            (3 * 1024**2, "3MB"),
            (1024**3 + 1024, "1048577KB"),
            (7, "7"),
        ],
    )
    def test_sizes_are_shown_in_the_largest_exact_unit(self, size, text):
        assert parsers.show_bytes(size) == text

    def test_names_are_shown_as_the_comma_list_they_are_read_from(self):
        assert parsers.show_names(("custom", "test")) == "custom,test"
        assert parsers.parse_names(parsers.show_names(("a", "b"))) == ("a", "b")
        assert parsers.show_names(()) == ""


class TestUrls:
    def test_https_urls_are_accepted(self):
        assert parsers.parse_http_url("https://cauce.example.com/api") == (
            "https://cauce.example.com/api"
        )

    def test_only_trailing_slashes_are_dropped(self):
        assert parsers.parse_http_url("http://h/X/") == "http://h/X"

    def test_the_message_gives_an_example_url(self):
        with pytest.raises(ValueError) as caught:
            parsers.parse_http_url("ftp://cauce:s3cret@h/api")
        assert str(caught.value) == (
            "expected an http(s) URL such as http://127.0.0.1:4200/api, got 'ftp://cauce:***@h/api'"
        )

    def test_a_database_url_with_a_bad_port_says_what_is_expected(self):
        with pytest.raises(ValueError) as caught:
            parsers.parse_database_url("postgresql://h:port/db")
        assert str(caught.value).startswith("expected sqlite:///path or postgresql://...")

    def test_a_password_with_an_at_sign_is_hidden_whole(self):
        url = "postgresql://u:p@ss@h:5432/db"
        assert parsers.hide_password(url) == "postgresql://u:***@h:5432/db"

    def test_a_password_without_a_user_is_hidden(self):
        assert parsers.hide_password("postgresql://:s3cret@h/db") == "postgresql://:***@h/db"


class TestAuthStrings:
    @pytest.mark.parametrize("text", ["admin:s3cret", "admin:s3:cr:et", "admin:s3cret:"])
    def test_the_password_is_everything_after_the_first_colon(self, text):
        assert parsers.parse_auth_string(text) == text

    def test_hiding_shows_the_user_and_no_part_of_a_password_with_colons(self):
        assert parsers.hide_auth_string("admin:s3:cr:et") == "admin:********"


class TestLogFileMessage:
    def test_an_unknown_placeholder_lists_the_allowed_ones(self):
        with pytest.raises(ValueError) as caught:
            parsers.parse_log_file("{flowname}.log")
        assert str(caught.value) == (
            "unknown placeholder {flowname} in '{flowname}.log'; "
            "use {flow_name}, {script_dir}, {date}"
        )


class Machine:
    """A machine's timezone sources, as machine_timezone() reads them: TZ, the
    /etc/localtime link, /etc/timezone, the platform, what tzlocal finds (on Windows,
    the system's zone mapped to an IANA name) and the UTC offset."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import tzlocal

        self.monkeypatch = monkeypatch
        self.localtime_target: str | None = None
        self.timezone_file: str | None = None
        self.tzlocal_name: str | None = None
        monkeypatch.delenv("TZ", raising=False)
        monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: self.tzlocal_name)
        real_readlink, real_read_text = os.readlink, Path.read_text

        def readlink(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(path) != "/etc/localtime":
                return real_readlink(path, *args, **kwargs)
            if self.localtime_target is None:
                raise FileNotFoundError(path)
            return self.localtime_target

        def read_text(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(path) != "/etc/timezone":
                return real_read_text(path, *args, **kwargs)
            if self.timezone_file is None:
                raise FileNotFoundError(path)
            return self.timezone_file

        monkeypatch.setattr(os, "readlink", readlink)
        monkeypatch.setattr(Path, "read_text", read_text)
        self.utc_offset(0)

    def utc_offset(self, seconds: int, dst_seconds: int | None = None) -> None:
        """East of UTC is positive; with `dst_seconds`, daylight saving time is in force."""
        dst = dst_seconds is not None
        self.monkeypatch.setattr(time, "timezone", -seconds)
        self.monkeypatch.setattr(time, "altzone", -(dst_seconds if dst else seconds))
        now = time.gmtime()
        fields = (*now[:8], 1 if dst else 0)
        self.monkeypatch.setattr(time, "localtime", lambda *_: time.struct_time(fields))


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Machine:
    return Machine(monkeypatch)


class TestMachineTimezone:
    def test_tz_may_start_with_a_colon(self, machine: Machine, monkeypatch):
        monkeypatch.setenv("TZ", ":Europe/Madrid")
        assert parsers.machine_timezone() == "Europe/Madrid"

    @pytest.mark.parametrize("tz", ["/usr/share/zoneinfo/Asia/Tokyo", "Not/AZone", ""])
    def test_a_tz_that_is_a_path_or_unknown_gives_way_to_etc_localtime(
        self, machine: Machine, monkeypatch, tz
    ):
        monkeypatch.setenv("TZ", tz)
        machine.localtime_target = "/usr/share/zoneinfo/America/Argentina/Buenos_Aires"
        assert parsers.machine_timezone() == "America/Argentina/Buenos_Aires"

    def test_a_relative_localtime_link_is_read_the_same(self, machine: Machine):
        machine.localtime_target = "../usr/share/zoneinfo/Europe/Lisbon"
        assert parsers.machine_timezone() == "Europe/Lisbon"

    def test_a_localtime_link_outside_zoneinfo_gives_way_to_etc_timezone(self, machine: Machine):
        machine.localtime_target = "/etc/alternatives/localtime"
        machine.timezone_file = "Asia/Kolkata\n"
        assert parsers.machine_timezone() == "Asia/Kolkata"

    def test_without_a_localtime_link_etc_timezone_is_read(self, machine: Machine):
        machine.timezone_file = " Africa/Nairobi \n"
        assert parsers.machine_timezone() == "Africa/Nairobi"

    @pytest.mark.parametrize("contents", ["", "\n", None], ids=["empty", "blank", "missing"])
    def test_with_nothing_to_read_the_utc_offset_names_the_zone(self, machine: Machine, contents):
        machine.timezone_file = contents
        machine.utc_offset(-3 * 3600)
        assert parsers.machine_timezone() == "Etc/GMT+3"

    def test_on_windows_the_system_zone_is_read_through_tzlocal(
        self, machine: Machine, monkeypatch
    ):
        monkeypatch.setattr(sys, "platform", "win32")
        machine.localtime_target = "/usr/share/zoneinfo/Europe/Madrid"
        machine.tzlocal_name = "America/Argentina/Buenos_Aires"
        machine.utc_offset(-3 * 3600)
        assert parsers.machine_timezone() == "America/Argentina/Buenos_Aires"

    def test_on_windows_with_no_zone_found_the_offset_names_it(self, machine: Machine, monkeypatch):
        monkeypatch.setattr(sys, "platform", "win32")
        machine.localtime_target = "/usr/share/zoneinfo/Europe/Madrid"
        machine.timezone_file = "Europe/Madrid"
        machine.utc_offset(5 * 3600)
        assert parsers.machine_timezone() == "Etc/GMT-5"

    def test_a_posix_tz_rule_gives_way_to_the_system_zone(self, machine: Machine, monkeypatch):
        monkeypatch.setenv("TZ", "CET-1CEST")
        machine.tzlocal_name = "Europe/Madrid"
        assert parsers.machine_timezone() == "Europe/Madrid"


class TestOffsetZone:
    @pytest.mark.parametrize(
        ("offset", "dst_offset", "zone"),
        [
            (-3 * 3600, None, "Etc/GMT+3"),
            (9 * 3600, None, "Etc/GMT-9"),
            (0, None, "UTC"),
            (1 * 3600, 2 * 3600, "Etc/GMT-2"),
            (-5 * 3600, -4 * 3600, "Etc/GMT+4"),
            (5 * 3600 + 1800, None, "UTC"),
            (-(3 * 3600 + 1800), None, "UTC"),
            (-3600, 0, "UTC"),
        ],
        ids=[
            "UTC-3",
            "UTC+9",
            "UTC",
            "UTC+1-in-summer",
            "UTC-5-in-summer",
            "UTC+5:30",
            "UTC-3:30",
            "UTC-1-summer-at-UTC",
        ],
    )
    def test_the_offset_as_an_etc_gmt_name(self, machine: Machine, offset, dst_offset, zone):
        machine.utc_offset(offset, dst_offset)
        assert parsers.machine_timezone() == zone

    def test_out_of_daylight_saving_time_the_standard_offset_counts(
        self, machine: Machine, monkeypatch
    ):
        machine.utc_offset(3600)  # Europe/Paris in winter: UTC+1, UTC+2 in summer
        monkeypatch.setattr(time, "altzone", -7200)
        assert parsers.machine_timezone() == "Etc/GMT-1"
