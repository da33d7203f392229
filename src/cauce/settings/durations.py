"""Human durations at the edge: `90`, `90s`, `30m`, `2h`, `1d`, `1h30m` <-> `timedelta`.

Settings and CLI options accept these; everything inside cauce holds a
`timedelta` (or seconds in a name ending in `_seconds`).
"""

from __future__ import annotations

from datetime import timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EXAMPLE = "a duration such as 90, 30m or 2h"


def parse_duration(raw: str) -> timedelta:
    """`90` (seconds), `90s`, `30m`, `2h`, `1d`, or parts together (`1h30m`), as a timedelta.

    Raises ValueError, saying what is expected, for anything else (including negatives).
    """
    text = raw.strip()
    try:
        return timedelta(seconds=float(text)) if _is_plain_number(text) else _parse_units(text)
    except OverflowError:
        raise ValueError(f"expected {_EXAMPLE}, got {raw!r} (too long)") from None
    except ValueError:
        raise ValueError(f"expected {_EXAMPLE}, got {raw!r}") from None


def format_duration(duration: timedelta) -> str:
    """The shortest exact form (`15s`, `30m`, `2h`, `90m`, `1.5s`); `parse_duration` reads it."""
    seconds = duration.total_seconds()
    for unit in ("d", "h", "m"):
        count, rest = divmod(seconds, _UNIT_SECONDS[unit])
        if count and not rest:
            return f"{int(count)}{unit}"
    return f"{int(seconds)}s" if seconds.is_integer() else f"{seconds:g}s"


def _is_plain_number(text: str) -> bool:
    return bool(text) and text.replace(".", "", 1).isdigit()


def _parse_units(text: str) -> timedelta:
    # A scan instead of a regular expression: compiling one costs more at import
    # than every duration a process will ever parse.
    seconds, number = 0.0, ""
    for char in text.replace(" ", "").lower():
        if char.isdigit() or char == ".":
            number += char
        elif char in _UNIT_SECONDS and _is_plain_number(number):
            seconds += float(number) * _UNIT_SECONDS[char]
            number = ""
        else:
            raise ValueError(text)
    if number or not text:
        raise ValueError(text)
    return timedelta(seconds=seconds)
