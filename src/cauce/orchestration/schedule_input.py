"""From what a user gave (a flag, a wizard answer, a cauce.yaml value, an argument of
`flow.deploy()`) to a checked schedule: the one way in, so that the four doors say
the same thing about the same mistake.

The math and the rules of a valid schedule are `orchestration/schedules.py`'s; this
module reads human input into them (`30m`, `.inf`, a `timedelta`) and raises
ScheduleError, one line that the caller prefixes with where the value came from
(`--interval:`, `cauce.yaml:6:`, `deployment 'd':`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from cauce.orchestration.schedules import (
    ScheduleError,
    as_schedule,
    resolve_timezone,
    validate_interval,
    validate_schedule,
)
from cauce.schemas.deployments import DeploymentSchedule
from cauce.settings.durations import parse_duration

IntervalInput = str | float | timedelta
_EXPECTED = "interval must be a positive, finite duration (such as 90, 30m or 2h)"


def interval_seconds(value: IntervalInput) -> float:
    """The seconds of an interval given as text (`90`, `30m`, `1h30m`), a number of
    seconds or a timedelta; ScheduleError for zero, a negative, `inf`, `nan` or junk."""
    shown = repr(value)
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        shown = f"{seconds:g} seconds"
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value).total_seconds()
        except ValueError:
            raise ScheduleError(f"{_EXPECTED}, got {value!r}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise ScheduleError(f"{_EXPECTED}, got {value!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ScheduleError(f"{_EXPECTED}, got {shown}")
    validate_interval(seconds)
    return seconds


def schedule_from_input(
    timezone: str,
    *,
    cron: str | None = None,
    interval: IntervalInput | None = None,
    rrule: str | None = None,
    anchor: datetime | None = None,
    is_active: bool = True,
) -> DeploymentSchedule:
    """The checked schedule of exactly one of `cron`, `interval` and `rrule`, in `timezone`.

    Raises ScheduleError naming what is wrong; callers check "exactly one" in their
    own words first (`--cron`, `cron=`), so that message is a last resort.
    """
    given = [kind for kind in (cron, interval, rrule) if kind is not None]
    if len(given) != 1:
        raise ScheduleError("a schedule needs exactly one of cron, interval and rrule")
    if anchor is not None and interval is None:
        raise ScheduleError("an anchor is for interval schedules only")
    schedule = DeploymentSchedule(
        timezone=timezone.strip(),
        cron=None if cron is None else cron.strip(),
        interval_seconds=None if interval is None else interval_seconds(interval),
        anchor=anchor,
        rrule=None if rrule is None else rrule.strip(),
        is_active=is_active,
    )
    resolve_timezone(schedule.timezone)
    validate_schedule(as_schedule(schedule))
    return schedule
