"""Schedule math: validation messages, timezone lookup, and run times across DST.

Run times are checked two ways: exact UTC times for known DST nights in five zones,
and hypothesis against an independent oracle that walks every real minute in UTC,
reads its local wall time with zoneinfo and decides by the promise in the module
docstring whether a run is due.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cauce.orchestration import schedules
from cauce.orchestration.schedules import (
    CronSchedule,
    IntervalSchedule,
    RRuleSchedule,
    ScheduleError,
    describe,
    next_run_times,
    resolve_anchor,
    resolve_timezone,
    validate_cron,
    validate_interval,
    validate_rrule,
    validate_schedule,
)

ZONES = [
    "America/Santiago",
    "Europe/Madrid",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Argentina/Buenos_Aires",
]
MINUTE = timedelta(minutes=1)
FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def cron_times(expression: str, zone: str, after: datetime, count: int) -> list[datetime]:
    return next_run_times(CronSchedule(expression, zone), after, count=count)


class TestValidateCron:
    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("61 * * * *", "cron '61 * * * *': minute field: 61 is out of range 0-59"),
            (
                "30 1,13,17 * *",
                "cron '30 1,13,17 * *': expected 5 fields (minute hour day month weekday), got 4",
            ),
            ("0 0 * * * *", "expected 5 fields (minute hour day month weekday), got 6"),
            ("", "expected 5 fields (minute hour day month weekday), got 0"),
            ("0 24 * * *", "hour field: 24 is out of range 0-23"),
            ("0 0 32 * *", "day of month field: 32 is out of range 1-31"),
            ("0 0 0 * *", "day of month field: 0 is out of range 1-31"),
            ("0 0 * 13 *", "month field: 13 is out of range 1-12"),
            ("0 0 * * 8", "weekday field: 8 is out of range 0-7"),
            ("0 0 * FOO *", "month field: 'FOO' is not a month (1-12 or JAN-DEC)"),
            ("0 0 * * FUNDAY", "weekday field: 'FUNDAY' is not a weekday (0-7 or SUN-SAT)"),
            ("x * * * *", "minute field: 'x' is not a number"),
            ("*/0 * * * *", "minute field: step 0 in '*/0' must be at least 1"),
            ("*/x * * * *", "minute field: step 'x' in '*/x' is not a number"),
            ("0 5-2 * * *", "hour field: range '5-2' goes backwards"),
            ("1,,2 * * * *", "minute field: empty item in '1,,2'"),
            ("0 0 * * MON#6", "weekday field: 'MON#6': the n in <weekday>#n must be 1-5"),
            ("0 0 30 2 *", "day of month field: '30' never occurs in month '2'"),
            ("@often", "cron '@often': unknown alias @often; use one of @yearly"),
        ],
    )
    def test_message_names_the_field_and_value(self, expression, message):
        with pytest.raises(ScheduleError) as caught:
            validate_cron(expression)
        assert message in str(caught.value)
        assert "\n" not in str(caught.value)

    @pytest.mark.parametrize(
        "expression",
        [
            "30 1,13,17 * * *",
            "*/15 * * * *",
            "0 9 * JAN-MAR MON-FRI",
            "0 9 * jan mon",
            "0 0 L * *",
            "0 0 LW * *",
            "0 0 * * 5L",
            "0 0 * * MON#2",
            "0-30/10 8-18/2 1,15 * 0,7",
            "@daily",
            "@HOURLY",
            "@yearly",
        ],
    )
    def test_accepts_what_cronsim_supports(self, expression):
        validate_cron(expression)


class TestValidateOthers:
    @pytest.mark.parametrize("seconds", [0, -5, float("nan"), float("inf")])
    def test_interval_must_be_positive(self, seconds):
        with pytest.raises(ScheduleError, match="interval must be a positive, finite duration"):
            validate_interval(seconds)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("FREQ=SOMETIMES", "invalid 'FREQ': SOMETIMES"),
            ("BYHOUR=9", "FREQ is missing"),
            ("FREQ", "'FREQ' is not NAME=VALUE"),
            ("FREQ=DAILY;BYHOUR=25", "hour must be in 0..23"),
            ("FREQ=DAILY;COUNT=3;UNTIL=20250101T000000Z", "COUNT and UNTIL"),
            ("EXDATE:20250101T000000\nRRULE:FREQ=DAILY", "is not supported"),
            ("DTSTART:tomorrow\nRRULE:FREQ=DAILY", "DTSTART 'tomorrow' is not a date-time"),
            ("DTSTART;TZID=Mars/Base:20250101T090000\nRRULE:FREQ=DAILY", "unknown timezone"),
        ],
    )
    def test_bad_rrule(self, text, message):
        with pytest.raises(ScheduleError, match=message):
            validate_rrule(text)

    @pytest.mark.parametrize(
        "text",
        [
            "FREQ=DAILY;BYHOUR=9",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,FR",
            "DTSTART:20250101T093000\nRRULE:FREQ=DAILY;COUNT=3",
            "DTSTART;TZID=Europe/Madrid:20250101T090000\nRRULE:FREQ=DAILY;UNTIL=20250201T000000Z",
            "FREQ=DAILY;UNTIL=20250201T000000",
        ],
    )
    def test_good_rrule(self, text):
        validate_rrule(text)

    def test_interval_schedule_without_an_anchor_is_rejected(self):
        with pytest.raises(ScheduleError, match="needs an anchor"):
            next_run_times(IntervalSchedule(60, "UTC"), utc(2025, 1, 1), count=1)

    def test_a_naive_anchor_is_wall_time_in_the_schedules_zone(self):
        schedule = IntervalSchedule(3600 * 5, "Europe/Madrid", datetime(2026, 1, 1, 9, 0))
        validate_schedule(schedule)
        assert next_run_times(schedule, utc(2026, 1, 1), count=2) == [
            utc(2026, 1, 1, 3, 0),
            utc(2026, 1, 1, 8, 0),
        ]

    def test_a_naive_anchor_in_a_dst_gap_is_the_end_of_the_gap(self):
        spring = datetime(2025, 3, 30, 2, 30)  # Madrid jumps from 02:00 to 03:00
        assert resolve_anchor(spring, "Europe/Madrid") == utc(2025, 3, 30, 1, 0)
        assert resolve_anchor(utc(2025, 3, 30, 1, 0), "Asia/Tokyo") == utc(2025, 3, 30, 1, 0)

    def test_an_anchor_out_of_range_is_one_line(self):
        with pytest.raises(ScheduleError, match="^interval anchor 0001-01-01T00:00:00 is out"):
            validate_schedule(IntervalSchedule(60, "Asia/Tokyo", datetime(1, 1, 1)))


class TestResolveTimezone:
    def test_typo_gets_suggestions(self):
        with pytest.raises(ScheduleError) as caught:
            resolve_timezone("America/Buenos_Aire")
        assert str(caught.value).startswith(
            "unknown timezone 'America/Buenos_Aire'; did you mean America/Buenos_Aires, "
        )

    def test_wrong_case_suggests_the_right_name_first(self):
        with pytest.raises(ScheduleError, match=r"did you mean America/Santiago[,?]"):
            resolve_timezone("america/santiago")

    def test_nothing_close_names_an_example(self):
        with pytest.raises(ScheduleError, match="use an IANA name such as Europe/Madrid"):
            resolve_timezone("Mars/Olympus_Mons")

    def test_known_name(self):
        assert resolve_timezone("Australia/Lord_Howe").key == "Australia/Lord_Howe"


class TestDescribe:
    @pytest.mark.parametrize(
        ("schedule", "text"),
        [
            (
                CronSchedule("30  1,13,17 * * *", "America/Argentina/Buenos_Aires"),
                "cron 30 1,13,17 * * * (America/Argentina/Buenos_Aires)",
            ),
            (IntervalSchedule(3600, "Europe/Madrid"), "every 1h (Europe/Madrid)"),
            (IntervalSchedule(90, "UTC"), "every 90s (UTC)"),
            (RRuleSchedule("FREQ=DAILY;BYHOUR=9", "UTC"), "rrule FREQ=DAILY;BYHOUR=9 (UTC)"),
        ],
    )
    def test_short_text(self, schedule, text):
        assert describe(schedule) == text


class TestNextRunTimesArguments:
    def test_needs_count_or_until(self):
        with pytest.raises(ValueError, match="count or until"):
            next_run_times(CronSchedule("* * * * *", "UTC"), utc(2025, 1, 1))

    def test_naive_after_is_refused(self):
        with pytest.raises(ValueError, match="after must be timezone-aware"):
            next_run_times(CronSchedule("* * * * *", "UTC"), datetime(2025, 1, 1), count=1)

    def test_limit_caps_count_and_until(self):
        every_minute = CronSchedule("* * * * *", "UTC")
        assert len(next_run_times(every_minute, utc(2025, 1, 1), count=50, limit=7)) == 7
        assert len(next_run_times(every_minute, utc(2025, 1, 1), until=utc(2025, 2, 1))) == 1000

    def test_until_is_inclusive_and_times_are_utc_strictly_after(self):
        after = utc(2025, 1, 1, 10, 0)
        runs = next_run_times(
            CronSchedule("0 * * * *", "Asia/Kolkata"), after, until=utc(2025, 1, 1, 12, 30)
        )
        assert runs == [utc(2025, 1, 1, 10, 30), utc(2025, 1, 1, 11, 30), utc(2025, 1, 1, 12, 30)]
        assert all(run.tzinfo is UTC for run in runs)

    def test_after_in_any_zone(self):
        after = datetime(2025, 1, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
        assert cron_times("0 * * * *", "UTC", after, 1) == [utc(2025, 1, 1, 1, 0)]

    def test_unknown_zone_is_a_schedule_error(self):
        with pytest.raises(ScheduleError, match="unknown timezone"):
            cron_times("0 * * * *", "Europe/Madird", utc(2025, 1, 1), 1)


class TestCronAcrossDst:
    @pytest.mark.parametrize(
        ("expression", "zone", "after", "expected"),
        [
            # Madrid springs forward 2025-03-30 02:00 CET -> 03:00 CEST: 02:30 runs at 03:00.
            ("30 2 * * *", "Europe/Madrid", utc(2025, 3, 29, 12), [(3, 30, 1, 0), (3, 31, 0, 30)]),
            # Madrid falls back 2025-10-26 03:00 CEST -> 02:00 CET: 02:30 runs once, in CEST.
            (
                "30 2 * * *",
                "Europe/Madrid",
                utc(2025, 10, 25, 12),
                [(10, 26, 0, 30), (10, 27, 1, 30)],
            ),
            # From the second 02:10 that night, the day's run is already past.
            ("30 2 * * *", "Europe/Madrid", utc(2025, 10, 26, 1, 10), [(10, 27, 1, 30)]),
            # Hourly runs at both 02:00s, and has no 02:00 on the spring day.
            (
                "0 * * * *",
                "Europe/Madrid",
                utc(2025, 10, 25, 23, 30),
                [(10, 26, 0, 0), (10, 26, 1, 0), (10, 26, 2, 0)],
            ),
            ("0 * * * *", "Europe/Madrid", utc(2025, 3, 30, 0, 30), [(3, 30, 1, 0), (3, 30, 2, 0)]),
            (
                "*/30 * * * *",
                "Europe/Madrid",
                utc(2025, 10, 26, 0, 10),
                [(10, 26, 0, 30), (10, 26, 1, 0), (10, 26, 1, 30), (10, 26, 2, 0)],
            ),
            # New York: 2025-03-09 02:00 EST -> 03:00 EDT; 2025-11-02 02:00 EDT -> 01:00 EST.
            ("30 2 * * *", "America/New_York", utc(2025, 3, 8, 12), [(3, 9, 7, 0), (3, 10, 6, 30)]),
            (
                "30 1 * * *",
                "America/New_York",
                utc(2025, 11, 1, 12),
                [(11, 2, 5, 30), (11, 3, 6, 30)],
            ),
            ("0 9 * * *", "America/New_York", utc(2025, 3, 8, 0), [(3, 8, 14, 0), (3, 9, 13, 0)]),
            # Santiago changes at midnight: 2025-04-06 24:00 -03 -> 23:00 -04 (Saturday's
            # 23:xx twice), 2025-09-07 24:00 -04 -> 01:00 -03 (no 00:xx on Sunday).
            (
                "30 23 * * *",
                "America/Santiago",
                utc(2025, 4, 5, 12),
                [(4, 6, 2, 30), (4, 7, 3, 30)],
            ),
            (
                "30 0 * * *",
                "America/Santiago",
                utc(2025, 9, 5, 12),
                [(9, 6, 4, 30), (9, 7, 4, 0), (9, 8, 3, 30)],
            ),
            ("@daily", "America/Santiago", utc(2025, 9, 6, 12), [(9, 7, 4, 0), (9, 8, 3, 0)]),
            (
                "0 * * * *",
                "America/Santiago",
                utc(2025, 4, 6, 1, 30),
                [(4, 6, 2, 0), (4, 6, 3, 0), (4, 6, 4, 0)],
            ),
            # Lord Howe moves 30 minutes: 2025-04-06 02:00 +11 -> 01:30 +10:30,
            # 2025-10-05 02:00 +10:30 -> 02:30 +11.
            (
                "15 2 * * *",
                "Australia/Lord_Howe",
                utc(2025, 10, 3, 12),
                [(10, 3, 15, 45), (10, 4, 15, 30), (10, 5, 15, 15)],
            ),
            (
                "45 1 * * *",
                "Australia/Lord_Howe",
                utc(2025, 4, 5, 12),
                [(4, 5, 14, 45), (4, 6, 15, 15)],
            ),
            (
                "*/15 * * * *",
                "Australia/Lord_Howe",
                utc(2025, 4, 5, 14, 20),
                [(4, 5, 14, 30), (4, 5, 14, 45), (4, 5, 15, 0), (4, 5, 15, 15), (4, 5, 15, 30)],
            ),
            (
                "0 * * * *",
                "Australia/Lord_Howe",
                utc(2025, 4, 5, 13, 30),
                [(4, 5, 14, 0), (4, 5, 15, 30)],
            ),
            (
                "0 * * * *",
                "Australia/Lord_Howe",
                utc(2025, 10, 4, 14, 0),
                [(10, 4, 14, 30), (10, 4, 16, 0)],
            ),
            # cronsim alone starts this one at 03:30 on the spring day.
            (
                "*/15 3 * * *",
                "Australia/Lord_Howe",
                utc(2025, 10, 4, 14, 0),
                [(10, 4, 16, 0), (10, 4, 16, 15)],
            ),
            # The guide's example: no DST, 01:30, 13:30 and 17:30 at UTC-3.
            (
                "30 1,13,17 * * *",
                "America/Argentina/Buenos_Aires",
                utc(2025, 6, 1),
                [(6, 1, 4, 30), (6, 1, 16, 30), (6, 1, 20, 30), (6, 2, 4, 30)],
            ),
        ],
    )
    def test_exact_utc_times(self, expression, zone, after, expected):
        wanted = [utc(2025, month, day, hour, minute) for month, day, hour, minute in expected]
        assert cron_times(expression, zone, after, len(wanted)) == wanted


class TestIntervalSchedule:
    def test_daily_interval_keeps_local_wall_time(self):
        anchor = datetime(2025, 3, 28, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
        schedule = IntervalSchedule(86400, "Europe/Madrid", anchor)
        runs = next_run_times(schedule, anchor, count=3)
        assert runs == [utc(2025, 3, 29, 8), utc(2025, 3, 30, 7), utc(2025, 3, 31, 7)]

    def test_daily_interval_in_a_gap_runs_when_clocks_jump(self):
        anchor = datetime(2025, 3, 29, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
        runs = next_run_times(IntervalSchedule(86400, "Europe/Madrid", anchor), anchor, count=2)
        assert runs == [utc(2025, 3, 30, 1, 0), utc(2025, 3, 31, 0, 30)]

    def test_sub_day_interval_is_elapsed_time(self):
        schedule = IntervalSchedule(3600, "Europe/Madrid", utc(2025, 10, 25, 23, 0))
        runs = next_run_times(schedule, utc(2025, 10, 25, 23, 0), count=3)
        assert runs == [utc(2025, 10, 26, 0), utc(2025, 10, 26, 1), utc(2025, 10, 26, 2)]

    def test_old_anchor_is_skipped_arithmetically(self):
        schedule = IntervalSchedule(0.25, "UTC", utc(2000, 1, 1))
        after = datetime(2025, 6, 1, 12, 0, 0, 100_000, tzinfo=UTC)
        expected = [after.replace(microsecond=micro) for micro in (250_000, 500_000)]
        assert next_run_times(schedule, after, count=2) == expected

    def test_runs_before_the_anchor_share_its_phase(self):
        schedule = IntervalSchedule(600, "UTC", utc(2025, 1, 1, 12, 5))
        assert next_run_times(schedule, utc(2025, 1, 1, 12), count=1) == [utc(2025, 1, 1, 12, 5)]
        assert next_run_times(schedule, utc(2025, 1, 1, 11), count=1) == [utc(2025, 1, 1, 11, 5)]

    def test_one_and_a_half_days_is_elapsed_time(self):
        schedule = IntervalSchedule(129_600, "Europe/Madrid", utc(2025, 3, 29, 0))
        assert next_run_times(schedule, utc(2025, 3, 29, 0), count=1) == [utc(2025, 3, 30, 12)]


class TestRRuleSchedule:
    def test_no_dtstart_starts_at_midnight_2020_local(self):
        runs = next_run_times(
            RRuleSchedule("FREQ=DAILY;BYHOUR=9", "UTC"), utc(2025, 3, 29, 8), count=2
        )
        assert runs == [utc(2025, 3, 29, 9), utc(2025, 3, 30, 9)]
        every_five_hours = RRuleSchedule("FREQ=HOURLY;INTERVAL=5", "UTC")
        # 2025-01-01 is 45,828 hours after 2020-01-01, which is 3 past a multiple of 5.
        assert next_run_times(every_five_hours, utc(2025, 1, 1), count=1) == [utc(2025, 1, 1, 2)]

    def test_wall_clock_hourly_runs_once_in_a_repeated_hour(self):
        runs = next_run_times(
            RRuleSchedule("RRULE:FREQ=HOURLY", "Europe/Madrid"), utc(2025, 10, 25, 23, 30), count=3
        )
        assert runs == [utc(2025, 10, 26, 0), utc(2025, 10, 26, 2), utc(2025, 10, 26, 3)]

    def test_missing_local_time_resolves_like_cron(self):
        rule = RRuleSchedule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Europe/Madrid")
        runs = next_run_times(rule, utc(2025, 3, 29, 12), count=2)
        assert runs == [utc(2025, 3, 30, 1, 0), utc(2025, 3, 31, 0, 30)]

    def test_dtstart_with_tzid_and_count(self):
        text = "DTSTART;TZID=America/New_York:20250101T090000\nRRULE:FREQ=DAILY;COUNT=3"
        runs = next_run_times(RRuleSchedule(text, "America/New_York"), utc(2024, 1, 1), count=9)
        assert runs == [utc(2025, 1, 1, 14), utc(2025, 1, 2, 14), utc(2025, 1, 3, 14)]

    def test_naive_until_is_local(self):
        rule = RRuleSchedule(
            "DTSTART:20250101T090000\nRRULE:FREQ=DAILY;UNTIL=20250102T090000", "Europe/Madrid"
        )
        assert next_run_times(rule, utc(2024, 1, 1), count=9) == [
            utc(2025, 1, 1, 8),
            utc(2025, 1, 2, 8),
        ]


# --- the independent oracle ----------------------------------------------------------------


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The instants in 2023-2027 at which the zone's UTC offset changes (to the quarter hour)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    found, moment = [], utc(2023, 1, 1)
    offset = moment.astimezone(zone).utcoffset()
    while moment < utc(2028, 1, 1):
        moment += timedelta(minutes=15)
        if moment.astimezone(zone).utcoffset() != offset:
            found.append(moment)
            offset = moment.astimezone(zone).utcoffset()
    return tuple(found)


def walk_minutes(
    zone_name: str,
    after: datetime,
    until: datetime,
    matches: Callable[[datetime], bool],
    *,
    wall_clock: bool,
) -> list[datetime]:
    """Every real minute in (after, until] at which the promise says a run is due.

    Without wall_clock: each minute whose local time matches. With it: a matching local
    time on its first occurrence (fold 0), and the first minute after a gap in local
    time when some skipped local time matches.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    moment = after.astimezone(UTC).replace(second=0, microsecond=0) + MINUTE
    previous = (moment - MINUTE).astimezone(zone).replace(tzinfo=None)
    due = []
    while moment <= until:
        local = moment.astimezone(zone)
        wall = local.replace(tzinfo=None)
        fire = matches(wall) and (local.fold == 0 or not wall_clock)
        if wall_clock and not fire and wall - previous > MINUTE:
            skipped = previous + MINUTE
            while skipped < wall and not fire:
                fire, skipped = matches(skipped), skipped + MINUTE
        if fire:
            due.append(moment)
        moment, previous = moment + MINUTE, wall
    return due


@st.composite
def instants_near_dst(draw, zone_name: str) -> datetime:
    """Some instant within two days of a DST change in 2023-2027, or anywhere in those years."""
    changes = transitions(zone_name)
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
        offset = timedelta(minutes=draw(st.integers(-48 * 60, 48 * 60)))
    else:
        base, offset = utc(2023, 1, 1), timedelta(minutes=draw(st.integers(0, 5 * 365 * 1440)))
    return base + offset + timedelta(seconds=draw(st.integers(0, 59)))


MINUTES = st.one_of(st.sampled_from([0, 15, 30, 45, 59]), st.integers(0, 59))
# The hours DST changes touch in these zones (Santiago 23-0, New York 1-2, Madrid 2-3).
HOURS = st.one_of(st.sampled_from([0, 1, 2, 3, 23]), st.integers(0, 23))


@st.composite
def cron_cases(draw) -> tuple[str, set[int], set[int], bool]:
    """A cron expression, the minutes and hours it matches, and whether it is fixed-time."""
    kind = draw(st.sampled_from(["fixed", "daily", "hourly", "every", "every_in_hours", "alias"]))
    if kind == "alias":
        alias = draw(st.sampled_from(["@daily", "@hourly"]))
        return alias, {0}, ({0} if alias == "@daily" else set(range(24))), alias == "@daily"
    if kind in ("every", "every_in_hours"):
        step = draw(st.sampled_from([2, 3, 5, 10, 15, 20, 30]))
        minutes, minute_text = set(range(0, 60, step)), f"*/{step}"
    else:
        size = 1 if kind != "fixed" else 3
        minutes = draw(st.sets(MINUTES, min_size=1, max_size=size))
        minute_text = ",".join(map(str, sorted(minutes)))
    if kind in ("hourly", "every"):
        hours, hour_text = set(range(24)), "*"
    else:
        hours = draw(st.sets(HOURS, min_size=1, max_size=1 if kind == "daily" else 3))
        hour_text = ",".join(map(str, sorted(hours)))
    return f"{minute_text} {hour_text} * * *", minutes, hours, kind in ("fixed", "daily")


def check_shape(runs: list[datetime], after: datetime) -> None:
    assert all(run.tzinfo is UTC for run in runs)
    assert all(run > after for run in runs)
    assert all(earlier < later for earlier, later in zip(runs, runs[1:], strict=False))


class TestCronMatchesMinuteWalk:
    @FAST
    @given(data=st.data(), zone_name=st.sampled_from(ZONES), case=cron_cases())
    def test_until_window_equals_the_walk(self, data, zone_name, case):
        expression, minutes, hours, fixed = case
        after = data.draw(instants_near_dst(zone_name))
        until = after + timedelta(minutes=data.draw(st.integers(1, 36 * 60)))
        runs = next_run_times(CronSchedule(expression, zone_name), after, until=until, limit=10**5)
        expected = walk_minutes(
            zone_name,
            after,
            until,
            lambda w: w.minute in minutes and w.hour in hours,
            wall_clock=fixed,
        )
        assert runs == expected
        check_shape(runs, after)

    @FAST
    @given(
        data=st.data(), zone_name=st.sampled_from(ZONES), case=cron_cases(), count=st.integers(1, 4)
    )
    def test_count_takes_the_first_of_the_walk(self, data, zone_name, case, count):
        expression, minutes, hours, fixed = case
        after = data.draw(instants_near_dst(zone_name))
        runs = next_run_times(CronSchedule(expression, zone_name), after, count=count)
        expected = walk_minutes(
            zone_name,
            after,
            after + timedelta(days=count + 1),
            lambda w: w.minute in minutes and w.hour in hours,
            wall_clock=fixed,
        )
        assert runs == expected[:count]
        assert len(runs) == count


class TestIntervalProperties:
    @FAST
    @given(
        data=st.data(),
        zone_name=st.sampled_from(ZONES),
        days=st.sampled_from([1, 1, 2, 3, 7]),
        count=st.integers(1, 4),
    )
    def test_whole_days_keep_the_anchor_wall_time(self, data, zone_name, days, count):
        zone = zoneinfo.ZoneInfo(zone_name)
        anchor = data.draw(instants_near_dst(zone_name)).replace(second=0).astimezone(zone)
        shift = timedelta(minutes=data.draw(st.integers(-3 * 1440, 3 * 1440)))
        after = anchor.astimezone(UTC) + shift
        anchor_wall = anchor.replace(tzinfo=None)

        def on_schedule(wall: datetime) -> bool:
            elapsed = wall.date() - anchor_wall.date()
            # The anchor itself may be a second occurrence; it is added below instead.
            return (
                wall.time() == anchor_wall.time()
                and elapsed.days % days == 0
                and not (elapsed.days == 0 and anchor.fold == 1)
            )

        until = after + timedelta(days=days * (count + 1))
        expected = walk_minutes(zone_name, after, until, on_schedule, wall_clock=True)
        if anchor.fold == 1 and anchor > after:
            expected = sorted({*expected, anchor.astimezone(UTC)})
        schedule = IntervalSchedule(86400 * days, zone_name, anchor)
        runs = next_run_times(schedule, after, count=count)
        assert runs == expected[:count]
        check_shape(runs, after)

    @FAST
    @given(
        data=st.data(),
        zone_name=st.sampled_from(ZONES),
        seconds=st.one_of(st.integers(1, 86399), st.sampled_from([0.25, 1.5, 129_600, 90_000])),
        years_back=st.integers(-1, 30),
    )
    def test_other_intervals_are_exact_elapsed_multiples(
        self, data, zone_name, seconds, years_back
    ):
        after = data.draw(instants_near_dst(zone_name))
        anchor = after - timedelta(days=365 * years_back, seconds=data.draw(st.integers(0, 10**6)))
        # Given in the schedule's zone, where aware arithmetic would be wall-clock arithmetic.
        local_anchor = anchor.astimezone(zoneinfo.ZoneInfo(zone_name))
        runs = next_run_times(IntervalSchedule(seconds, zone_name, local_anchor), after, count=3)
        step = timedelta(seconds=seconds)
        first = (after - anchor) // step + 1
        assert runs == [anchor + (first + k) * step for k in range(3)]
        assert runs[0] - step <= after
        check_shape(runs, after)


class TestRRuleProperties:
    @FAST
    @given(data=st.data(), zone_name=st.sampled_from(ZONES), minute=MINUTES, hour=HOURS)
    def test_daily_rule_equals_daily_cron(self, data, zone_name, minute, hour):
        after = data.draw(instants_near_dst(zone_name))
        rule = RRuleSchedule(f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute}", zone_name)
        cron = CronSchedule(f"{minute} {hour} * * *", zone_name)
        assert next_run_times(rule, after, count=3) == next_run_times(cron, after, count=3)

    @settings(max_examples=80, deadline=None, derandomize=True, database=None)
    @given(
        zone_name=st.sampled_from(ZONES),
        freq=st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"]),
        interval=st.integers(1, 5),
        extra=st.sampled_from(
            ["", ";BYHOUR=2,9", ";BYDAY=MO,FR", ";BYMINUTE=30", ";BYSETPOS=-1;BYDAY=MO,TU"]
        ),
        dtstart=st.one_of(st.none(), st.datetimes(datetime(2019, 6, 1), datetime(2021, 1, 1))),
        days_later=st.integers(-20, 500),
    )
    def test_fast_path_equals_full_expansion(
        self, zone_name, freq, interval, extra, dtstart, days_later
    ):
        rule = f"FREQ={freq};INTERVAL={interval}{extra}"
        if "BYSETPOS" in rule and freq in ("HOURLY", "DAILY"):
            rule = rule.replace(";BYSETPOS=-1", "")
        text = rule if dtstart is None else f"DTSTART:{dtstart:%Y%m%dT%H%M%S}\nRRULE:{rule}"
        zone = zoneinfo.ZoneInfo(zone_name)
        after = (dtstart or datetime(2020, 1, 1)).replace(tzinfo=zone) + timedelta(days=days_later)
        fast = list(islice(schedules._rrule_runs(text, zone, after), 4))
        full = list(islice(schedules._rrule_runs(text, zone, after, shift=False), 4))
        assert fast == full
        check_shape(fast, after)
