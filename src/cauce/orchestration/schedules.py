"""When a deployment's schedule runs: cron, interval and rrule math, pure and without I/O.

This module decides whether a schedule is valid (ScheduleError, one line the CLI prints
as is), which IANA zone a name or the machine means, and the run times after an instant
(`next_run_times`, aware UTC, computed in the schedule's own zone). Storing schedules and
creating runs from them is the scheduler's business.

Daylight saving time, the promise (the tests check it against a walk over every real
minute):

- Cron is matched against local wall-clock time in the zone, as Debian cron does. The
  text of the minute and hour fields decides which of two rules applies:
  * Fixed-time expressions (neither the minute nor the hour field starts with `*`:
    `30 2 * * *`, `0 9,17 * * 1-5`, `@daily`) run once for each matching local time of
    each matching day. A local time that does not exist that day (clocks spring forward
    over it) runs at the first real instant after the gap, the moment the clocks jump
    to: 03:00 for `30 2 * * *` in Europe/Madrid, 01:00 for `30 0 * * *` in
    America/Santiago, 02:30 for `15 2 * * *` in Australia/Lord_Howe. Several times in
    one gap make that one run. A local time that occurs twice (clocks fall back) runs
    on its first occurrence only.
  * Every other expression (`0 * * * *`, `*/15 * * * *`, `* 2 * * *`, `@hourly`) runs
    at every real instant whose local time matches: in a repeated hour it runs for both
    occurrences; a skipped hour has no matching instant, so nothing runs in it.
  cronsim parses and walks the calendar in naive local time; turning local times into
  instants is done here, because cronsim's own aware stepping skips runs after a
  30-minute shift (`*/15 3 * * *` on Lord Howe's spring day starts at 03:30) and, from
  an instant inside a repeated hour, can return a run before that instant.
- An interval that is a whole number of days keeps the anchor's local wall-clock time (a
  daily interval anchored at 09:00 stays at 09:00); its missing or repeated local times
  resolve as fixed-time cron. Any other interval runs at exact elapsed multiples of
  interval_seconds from the anchor. The anchor sets the phase: runs before it exist too,
  as in Prefect. A naive anchor is wall-clock time in the schedule's zone, resolved as
  fixed-time cron (`resolve_anchor`).
- An rrule is expanded by dateutil in the zone's wall-clock time, and each occurrence
  resolves as fixed-time cron, so FREQ=HOURLY runs once in a repeated hour. (RFC 5545
  reads a missing 02:30 with the offset before the gap, 03:30; here it is 03:00, as cron.)
  Without DTSTART a rule starts at 2020-01-01 00:00 local, Prefect's anchor, so its
  INTERVAL and COUNT have a fixed phase; a DTSTART with TZID or Z is first converted to
  the schedule's zone.

Fast path: a rule without COUNT starts dateutil at its DTSTART moved forward by whole
periods to just before the window (`_shifted_dtstart`), instead of stepping every
occurrence since 2020; a test keeps it equal to the unshifted expansion.

Long because it is the whole schedule contract that the scheduler and the CLI import,
and the three kinds share the local-time resolution at the bottom. When it grows, the
cron field checks (`_check_field` and friends) are the first part to move out.
"""

from __future__ import annotations

import difflib
import heapq
import math
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from cauce.schemas.deployments import DeploymentSchedule
from cauce.settings.durations import format_duration


class ScheduleError(ValueError):
    """A bad schedule; the message is one line naming what is wrong, fit to print as is."""


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """Runs at the times a five-field cron expression (or @daily, @hourly...) names."""

    cron: str
    timezone: str


@dataclass(frozen=True, slots=True)
class IntervalSchedule:
    """Runs every interval_seconds, in phase with `anchor` (callers pass creation time when
    the user gave none; a naive one is wall-clock time in `timezone`)."""

    interval_seconds: float
    timezone: str
    anchor: datetime | None = None


@dataclass(frozen=True, slots=True)
class RRuleSchedule:
    """Runs at the occurrences of an RFC 5545 RRULE, optionally after a DTSTART line."""

    rrule: str
    timezone: str


Schedule = CronSchedule | IntervalSchedule | RRuleSchedule


def as_schedule(schedule: DeploymentSchedule) -> Schedule:
    """The pure schedule (for the math in schedules.py) of a stored one."""
    if schedule.cron is not None:
        return CronSchedule(schedule.cron, schedule.timezone)
    if schedule.interval_seconds is not None:
        anchor = schedule.anchor or schedule.created
        return IntervalSchedule(schedule.interval_seconds, schedule.timezone, anchor)
    assert schedule.rrule is not None
    return RRuleSchedule(schedule.rrule, schedule.timezone)


# --- cron validation ----------------------------------------------------------------

_FIELDS_HINT = "minute hour day month weekday"
_ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] means low + i


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY = _Field("day of month", 1, 31)
_MONTH = _Field("month", 1, 12, tuple("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()))
_WEEKDAY = _Field("weekday", 0, 7, tuple("SUN MON TUE WED THU FRI SAT".split()))
_FIELDS = (_MINUTE, _HOUR, _DAY, _MONTH, _WEEKDAY)
_CRONSIM_FIELDS = {
    "Bad minute": _MINUTE,
    "Bad hour": _HOUR,
    "Bad day-of-month": _DAY,
    "Bad month": _MONTH,
    "Bad day-of-week": _WEEKDAY,
}


class _FieldError(Exception):
    pass


def validate_cron(expression: str) -> None:
    """Raise ScheduleError naming the field and value when `expression` is not valid cron."""
    _parse_cron(expression)


@lru_cache(maxsize=4096)
def _parse_cron(expression: str) -> tuple[str, bool]:
    """The five-field form of `expression`, and whether it is a fixed-time expression."""
    text = expression.strip()
    if text.startswith("@"):
        if text.lower() not in _ALIASES:
            known = ", ".join(_ALIASES)
            raise ScheduleError(f"cron {expression!r}: unknown alias {text}; use one of {known}")
        text = _ALIASES[text.lower()]
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleError(
            f"cron {expression!r}: expected 5 fields ({_FIELDS_HINT}), got {len(parts)}"
        )
    for field, part in zip(_FIELDS, parts, strict=True):
        try:
            _check_field(field, part)
        except _FieldError as exc:
            raise ScheduleError(f"cron {expression!r}: {field.name} field: {exc}") from None
    # cronsim and dateutil load at the first schedule read, not with the module: a
    # server's scheduler pass imports this module even when no deployment has one.
    from cronsim import CronSim, CronSimError

    try:
        CronSim(text, datetime(2000, 1, 1))
    except CronSimError as exc:  # what the field checks above cannot see alone
        field = _CRONSIM_FIELDS.get(str(exc), _DAY)
        part = parts[_FIELDS.index(field)]
        detail = f"{part!r} is not valid"
        if field is _DAY:
            detail = f"{part!r} never occurs in month {parts[3]!r}"
        raise ScheduleError(f"cron {expression!r}: {field.name} field: {detail}") from None
    is_fixed = not parts[0].startswith("*") and not parts[1].startswith("*")
    return " ".join(parts), is_fixed


def _check_field(field: _Field, text: str) -> None:
    """Raise _FieldError for what cronsim would reject in one field, saying what."""
    upper = text.upper()
    if text == "*":
        return
    if "," in text:
        for term in text.split(","):
            if not term:
                raise _FieldError(f"empty item in {text!r}")
            _check_field(field, term)
    elif field is _WEEKDAY and "L" in upper:
        if not (upper.endswith("L") and _is_number(upper[:-1])):
            raise _FieldError(f"{text!r} is not valid; write the last Friday as 5L")
        _value(field, upper[:-1])
    elif field is _WEEKDAY and "#" in text:
        day, nth = text.split("#", 1)
        if not (_is_number(nth) and 1 <= int(nth) <= 5):
            raise _FieldError(f"{text!r}: the n in <weekday>#n must be 1-5")
        _value(field, day)
    elif "/" in text:
        start, step = text.split("/", 1)
        if not _is_number(step):
            raise _FieldError(f"step {step!r} in {text!r} is not a number")
        if int(step) == 0:
            raise _FieldError(f"step 0 in {text!r} must be at least 1")
        _check_field(field, start)
    elif "-" in text:
        first, last = text.split("-", 1)
        if _value(field, last) < _value(field, first):
            raise _FieldError(f"range {text!r} goes backwards")
    elif not (field is _DAY and upper in ("L", "LW")):
        _value(field, text)


def _value(field: _Field, text: str) -> int:
    if text.upper() in field.names:
        return field.names.index(text.upper()) + field.low
    if not _is_number(text):
        if not text:
            raise _FieldError("a value is missing")
        if field.names:
            span = f"{field.low}-{field.high} or {field.names[0]}-{field.names[-1]}"
            raise _FieldError(f"{text!r} is not a {field.name} ({span})")
        raise _FieldError(f"{text!r} is not a number")
    value = int(text)
    if not field.low <= value <= field.high:
        raise _FieldError(f"{value} is out of range {field.low}-{field.high}")
    return value


def _is_number(text: str) -> bool:
    return bool(text) and all(char in "0123456789" for char in text)


# --- other validation -----------------------------------------------------------------

_DAY_MICROSECONDS = 86_400 * 10**6
_MAX_INTERVAL_SECONDS = timedelta.max.total_seconds() / 2


def validate_interval(seconds: float) -> None:
    """Raise ScheduleError unless `seconds` is a usable interval: finite and more than 0."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ScheduleError(f"interval must be a positive, finite duration, got {seconds:g}")
    if seconds > _MAX_INTERVAL_SECONDS:
        raise ScheduleError(f"interval of {seconds:g} seconds is too long")
    if round(seconds * 10**6) < 1:
        raise ScheduleError(f"interval must be at least 1 microsecond, got {seconds:g} seconds")


def validate_rrule(text: str) -> None:
    """Raise ScheduleError unless `text` is one RRULE (prefix optional), maybe after DTSTART."""
    parsed = _parse_rrule_text(text)
    utc = zoneinfo.ZoneInfo("UTC")
    _make_rule(parsed, parsed.dtstart_wall(utc) or _RRULE_ANCHOR, utc)


def validate_schedule(schedule: Schedule) -> None:
    """Raise ScheduleError for a bad timezone, expression, interval or anchor."""
    resolve_timezone(schedule.timezone)
    if isinstance(schedule, CronSchedule):
        validate_cron(schedule.cron)
    elif isinstance(schedule, RRuleSchedule):
        validate_rrule(schedule.rrule)
    else:
        validate_interval(schedule.interval_seconds)
        if schedule.anchor is not None:
            resolve_anchor(schedule.anchor, schedule.timezone)


def resolve_anchor(anchor: datetime, timezone: str) -> datetime:
    """The instant, in UTC, that an interval's anchor means: an aware one as it is, a naive
    one as wall-clock time in `timezone` (a time skipped by DST is the end of its gap, a
    repeated one its first occurrence, as fixed-time cron)."""
    try:
        if anchor.utcoffset() is not None:
            return anchor.astimezone(UTC)
        return _resolve_wall(anchor, resolve_timezone(timezone))
    except OverflowError:
        raise ScheduleError(f"interval anchor {anchor.isoformat()} is out of range") from None


# --- timezones -------------------------------------------------------------------------


def resolve_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The zone an IANA name means; ScheduleError with close names when there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    suggestions = _similar_zones(name)
    if suggestions:
        raise ScheduleError(f"unknown timezone {name!r}; did you mean {', '.join(suggestions)}?")
    raise ScheduleError(f"unknown timezone {name!r}; use an IANA name such as Europe/Madrid or UTC")


def _similar_zones(name: str) -> list[str]:
    zones = _zones_by_lower_name()
    same_but_case = [zones[name.lower()]] if name.lower() in zones else []
    close = difflib.get_close_matches(name.lower(), list(zones), n=3, cutoff=0.6)
    return list(dict.fromkeys(same_but_case + [zones[lower] for lower in close]))[:3]


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in sorted(zoneinfo.available_timezones())}


# --- run times -------------------------------------------------------------------------


def next_run_times(
    schedule: Schedule,
    after: datetime,
    *,
    count: int | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[datetime]:
    """The schedule's run times strictly after `after`, in order, as aware UTC datetimes.

    Stops after `count` times or before the first time later than `until` (give at least
    one), and never returns more than `limit`.
    """
    if count is None and until is None:
        raise ValueError("next_run_times needs count or until")
    for name, moment in (("after", after), ("until", until)):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")
    most = limit if count is None else min(count, limit)
    runs: list[datetime] = []
    if most <= 0:
        return runs
    zone = resolve_timezone(schedule.timezone)
    for run in _runs(schedule, zone, after):
        if until is not None and run > until:
            break
        runs.append(run)
        if len(runs) >= most:
            break
    return runs


def describe(schedule: Schedule) -> str:
    """A short text for tables: `cron 0 9 * * * (Europe/Madrid)`, `every 1h (UTC)`."""
    if isinstance(schedule, CronSchedule):
        what = f"cron {' '.join(schedule.cron.split())}"
    elif isinstance(schedule, RRuleSchedule):
        what = f"rrule {' '.join(schedule.rrule.split())}"
    else:
        what = f"every {format_duration(timedelta(seconds=schedule.interval_seconds))}"
    return f"{what} ({schedule.timezone})"


def _runs(schedule: Schedule, zone: zoneinfo.ZoneInfo, after: datetime) -> Iterator[datetime]:
    if isinstance(schedule, CronSchedule):
        return _cron_runs(schedule.cron, zone, after)
    if isinstance(schedule, RRuleSchedule):
        return _rrule_runs(schedule.rrule, zone, after)
    return _interval_runs(schedule, zone, after)


def _cron_runs(expression: str, zone: zoneinfo.ZoneInfo, after: datetime) -> Iterator[datetime]:
    from cronsim import CronSim

    text, is_fixed = _parse_cron(expression)
    walls = CronSim(text, _start_wall(after, zone))
    # A repeated hour's second occurrences come after later local times' first ones, so
    # runs wait in a heap until the first occurrence of the latest local time passes them.
    pending: list[datetime] = []
    last: datetime | None = None
    while True:
        try:
            wall = next(walls)
        except (StopIteration, OverflowError):  # no match in 50 years, or year 9999
            break
        instants = (_resolve_wall(wall, zone),) if is_fixed else _real_instants(wall, zone)
        for instant in instants:
            if instant > after:
                heapq.heappush(pending, instant)
        while pending and instants and pending[0] <= instants[0]:
            run = heapq.heappop(pending)
            if run != last:
                last = run
                yield run
    for run in sorted(set(pending) - {last}):
        yield run


def _interval_runs(
    schedule: IntervalSchedule, zone: zoneinfo.ZoneInfo, after: datetime
) -> Iterator[datetime]:
    validate_interval(schedule.interval_seconds)
    if schedule.anchor is None:
        raise ScheduleError("interval schedule needs an anchor (its creation time)")
    anchor = resolve_anchor(schedule.anchor, schedule.timezone)
    step = round(schedule.interval_seconds * 10**6)
    try:
        if step % _DAY_MICROSECONDS == 0:
            yield from _whole_day_runs(
                anchor, timedelta(days=step // _DAY_MICROSECONDS), zone, after
            )
            return
        # In UTC: aware arithmetic within one ZoneInfo is wall-clock arithmetic.
        origin = anchor.astimezone(UTC)
        # The first k with anchor + k * step > after, in integer microseconds: exact, no loop.
        k = ((after.astimezone(UTC) - origin) // timedelta(microseconds=1)) // step + 1
        while True:
            yield origin + timedelta(microseconds=k * step)
            k += 1
    except OverflowError:  # past year 9999
        return


def _whole_day_runs(
    anchor: datetime, step: timedelta, zone: zoneinfo.ZoneInfo, after: datetime
) -> Iterator[datetime]:
    anchor_wall = anchor.astimezone(zone).replace(tzinfo=None)
    after_wall = after.astimezone(zone).replace(tzinfo=None)
    # One step early: local and elapsed time differ by at most an offset change (< 1 day).
    k = (after_wall - anchor_wall) // step - 1
    while True:
        run = anchor.astimezone(UTC) if k == 0 else _resolve_wall(anchor_wall + k * step, zone)
        if run > after:
            yield run
        k += 1


# --- rrules ----------------------------------------------------------------------------

_RRULE_ANCHOR = datetime(2020, 1, 1)
_FIXED_PERIODS = {
    "WEEKLY": timedelta(weeks=1),
    "DAILY": timedelta(days=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}
_RRULE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


@dataclass(frozen=True, slots=True)
class _RRuleText:
    text: str
    body: str  # the rule without "RRULE:"
    parts: tuple[tuple[str, str], ...]  # (NAME, VALUE), upper case
    dtstart: datetime | None  # as written: naive, or aware from TZID or Z

    def dtstart_wall(self, zone: zoneinfo.ZoneInfo) -> datetime | None:
        if self.dtstart is None or self.dtstart.utcoffset() is None:
            return self.dtstart
        return self.dtstart.astimezone(zone).replace(tzinfo=None)


@lru_cache(maxsize=1024)
def _parse_rrule_text(text: str) -> _RRuleText:
    bodies: list[str] = []
    dtstart: datetime | None = None
    for token in text.split():
        upper = token.upper()
        if upper.startswith("DTSTART"):
            dtstart = _parse_dtstart(text, token)
        elif upper.startswith("RRULE:"):
            bodies.append(token[len("RRULE:") :])
        elif ":" in token:
            raise ScheduleError(f"rrule {text!r}: {token!r} is not supported; write DTSTART, RRULE")
        else:
            bodies.append(token)
    if len(bodies) != 1:
        raise ScheduleError(f"rrule {text!r}: expected one RRULE, got {len(bodies)}")
    parts: list[tuple[str, str]] = []
    for pair in bodies[0].split(";"):
        name, equals, value = pair.partition("=")
        if not (name and equals and value):
            raise ScheduleError(f"rrule {text!r}: {pair!r} is not NAME=VALUE")
        parts.append((name.upper(), value.upper()))
    names = {name for name, _ in parts}
    if "FREQ" not in names:
        raise ScheduleError(f"rrule {text!r}: FREQ is missing (e.g. FREQ=DAILY)")
    if {"COUNT", "UNTIL"} <= names:  # dateutil deprecates it; RFC 5545 forbids it
        raise ScheduleError(f"rrule {text!r}: COUNT and UNTIL cannot be used together")
    return _RRuleText(text, bodies[0], tuple(parts), dtstart)


def _parse_dtstart(text: str, token: str) -> datetime:
    head, _, value = token.partition(":")
    zone_name = None
    for parameter in head.split(";")[1:]:
        key, _, setting = parameter.partition("=")
        if key.upper() == "TZID":
            zone_name = setting
        elif parameter.upper() not in ("VALUE=DATE", "VALUE=DATE-TIME"):
            raise ScheduleError(f"rrule {text!r}: DTSTART parameter {parameter!r} is not supported")
    # python-dateutil ships no type information and types-python-dateutil is not a dependency.
    from dateutil.parser import isoparse  # type: ignore[import-untyped]

    try:
        moment: datetime = isoparse(value)
    except _RRULE_ERRORS:
        raise ScheduleError(f"rrule {text!r}: DTSTART {value!r} is not a date-time") from None
    if zone_name is not None:
        if moment.utcoffset() is not None:
            raise ScheduleError(f"rrule {text!r}: DTSTART has both TZID and an offset")
        moment = moment.replace(tzinfo=resolve_timezone(zone_name))
    return moment


def _make_rule(parsed: _RRuleText, dtstart: datetime, zone: Any) -> tuple[Any, bool]:
    """The dateutil rule starting at local `dtstart`, and whether it yields aware datetimes."""
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

    try:
        try:
            return rrulestr(parsed.body, dtstart=dtstart.replace(tzinfo=zone)), True
        except ValueError as exc:
            if "UNTIL" not in str(exc):
                raise
        # UNTIL without Z: dateutil then wants a naive DTSTART; naive is wall time too.
        return rrulestr(parsed.body, dtstart=dtstart), False
    except _RRULE_ERRORS as exc:
        raise ScheduleError(f"rrule {parsed.text!r}: {exc}") from None


def _rrule_runs(
    text: str, zone: zoneinfo.ZoneInfo, after: datetime, *, shift: bool = True
) -> Iterator[datetime]:
    parsed = _parse_rrule_text(text)
    start = _start_wall(after, zone)
    dtstart = parsed.dtstart_wall(zone) or _RRULE_ANCHOR
    rule, is_aware = _make_rule(
        parsed, _shifted_dtstart(parsed, dtstart, start) if shift else dtstart, zone
    )
    last: datetime | None = None
    for occurrence in rule.xafter(start.replace(tzinfo=zone) if is_aware else start, inc=True):
        run = _resolve_wall(occurrence.replace(tzinfo=None), zone)
        if run > after and run != last:
            last = run
            yield run


def _shifted_dtstart(parsed: _RRuleText, dtstart: datetime, target: datetime) -> datetime:
    """`dtstart` moved forward by whole periods of the rule to at most `target`.

    The rule's occurrences from `target` on are unchanged: the period grid and the fields
    dateutil defaults from DTSTART (time of day, weekday, day of month) stay the same.
    """
    parts = dict(parsed.parts)
    interval = parts.get("INTERVAL", "1")
    if "COUNT" in parts or dtstart >= target or not _is_number(interval) or interval == "0":
        return dtstart
    freq = parts["FREQ"]
    if freq in _FIXED_PERIODS:
        period = _FIXED_PERIODS[freq] * int(interval)
        return dtstart + period * ((target - dtstart) // period)
    months = {"MONTHLY": 1, "YEARLY": 12}.get(freq, 0) * int(interval)
    if not months or dtstart.day > 28:  # the 29th-31st is not in every month
        return dtstart
    elapsed = (target.year - dtstart.year) * 12 + target.month - dtstart.month - 1
    years, month = divmod(dtstart.month - 1 + max(elapsed, 0) // months * months, 12)
    return dtstart.replace(year=dtstart.year + years, month=month + 1)


# --- local time to instants --------------------------------------------------------------


def _start_wall(after: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The earliest local time whose instant can be later than `after`.

    That is `after`'s local time, less the length of a repeated hour when `after` is in
    its first occurrence: the second occurrence of the earlier local times is still ahead.
    """
    local = after.astimezone(zone)
    wall = local.replace(tzinfo=None)
    if local.fold == 0:
        overlap = _offset(local) - _offset(local.replace(fold=1))
        if overlap > timedelta(0):
            return wall - overlap
    return wall


def _real_instants(wall: datetime, zone: zoneinfo.ZoneInfo) -> tuple[datetime, ...]:
    """Every instant whose local time is `wall`: none in a gap, two in a repeated hour."""
    first = wall.replace(tzinfo=zone)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return ()
    second = wall.replace(tzinfo=zone, fold=1)
    if _offset(second) != _offset(first):
        return instant, second.astimezone(UTC)
    return (instant,)


def _resolve_wall(wall: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The instant a fixed local time means: its first occurrence, or the end of its gap."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap fold=1 reads `wall` with the later offset, an instant before the jump, and
    # fold=0 with the earlier one, an instant after it. Zone transitions fall on whole
    # seconds, so a search over seconds finds the jump exactly.
    before = math.floor(wall.replace(tzinfo=zone, fold=1).timestamp())
    at_or_after = math.ceil(instant.timestamp())
    offset_before = _offset(datetime.fromtimestamp(before, zone))
    while at_or_after - before > 1:
        middle = (before + at_or_after) // 2
        if _offset(datetime.fromtimestamp(middle, zone)) == offset_before:
            before = middle
        else:
            at_or_after = middle
    return datetime.fromtimestamp(at_or_after, UTC)


def _offset(moment: datetime) -> timedelta:
    offset = moment.utcoffset()
    assert offset is not None  # every caller passes a datetime in a ZoneInfo
    return offset
