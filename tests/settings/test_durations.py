"""Durations: seconds or units in, timedelta inside, the shortest exact form out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cauce.settings.durations import format_duration, parse_duration


class TestParseDuration:
    @pytest.mark.parametrize(
        ("text", "seconds"),
        [
            ("90", 90),
            ("0", 0),
            ("0.5", 0.5),
            ("15s", 15),
            ("30m", 1800),
            ("2h", 7200),
            ("1d", 86400),
            ("1h30m", 5400),
            ("1h 30m", 5400),
            ("1.5h", 5400),
            (" 2H ", 7200),
        ],
    )
    def test_seconds_or_units(self, text, seconds):
        assert parse_duration(text) == timedelta(seconds=seconds)

    @pytest.mark.parametrize(
        "text", ["soon", "", " ", "h", "1x", "-5", "1.2.3s", "1h30", "s30", "30 m m", "1e3"]
    )
    def test_anything_else_says_what_is_expected(self, text):
        with pytest.raises(ValueError) as caught:
            parse_duration(text)
        assert str(caught.value) == f"expected a duration such as 90, 30m or 2h, got {text!r}"

    def test_too_long_is_an_error_not_an_overflow(self):
        with pytest.raises(ValueError, match="too long"):
            parse_duration("99999999999d")


class TestFormatDuration:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (15, "15s"),
            (90, "90s"),
            (1800, "30m"),
            (5400, "90m"),
            (7200, "2h"),
            (86400, "1d"),
            (0, "0s"),
            (1.5, "1.5s"),
        ],
    )
    def test_shortest_exact_form(self, seconds, text):
        assert format_duration(timedelta(seconds=seconds)) == text

    @pytest.mark.parametrize("text", ["15s", "90s", "30m", "2h", "1d", "0.25s"])
    def test_reads_back_as_the_same_duration(self, text):
        assert format_duration(parse_duration(text)) == text

    def test_whole_seconds_that_fit_no_unit_are_written_out(self):
        assert format_duration(timedelta(seconds=1234567)) == "1234567s"
        assert format_duration(timedelta(days=400, seconds=1)) == "34560001s"
