"""Each kind of value: what is accepted, and the one-line error for what is not."""

from __future__ import annotations

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
