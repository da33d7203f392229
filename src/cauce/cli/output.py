"""How the CLI shows things: the Rich consoles, tables, local times, durations, states.

Times are stored in UTC and shown in the machine's local timezone. User data
(names, messages, parameters) is always passed as `Text`, never as markup, so
brackets in a run name print as they are.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from cauce.states import State, StateType, now_utc

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

# Piped output is not cut at 80 columns: ids and names must survive `| grep`.
_PIPED_WIDTH = 250


def _make_console(stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, emoji=False, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PIPED_WIDTH
    return console


class _ConsoleOnFirstUse:
    """Stands for the stdout Console and makes it on first use, so that commands that
    print nothing with Rich (`cauce server start`) start without importing it."""

    _console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            self._console = _make_console()
        return getattr(self._console, name)


console = cast("Console", _ConsoleOnFirstUse())
"""Where commands print their results (stdout)."""

STATE_STYLES = {
    StateType.SCHEDULED: "yellow",
    StateType.PENDING: "grey50",
    StateType.RUNNING: "blue",
    StateType.COMPLETED: "green",
    StateType.FAILED: "red",
    StateType.CRASHED: "bold red",
    StateType.CANCELLING: "grey50",
    StateType.CANCELLED: "grey50",
    StateType.PAUSED: "magenta",
}
"""The colour of each state type, the same in every table."""


def table(*columns: str, title: str | None = None) -> Table:
    """A table with cauce's look; the first column is never wrapped (it holds ids or names)."""
    from rich.table import Table

    result = Table(title=title, title_justify="left", title_style="bold")
    for index, column in enumerate(columns):
        result.add_column(column, no_wrap=index == 0)
    return result


def state_text(state: State, with_message: bool = False) -> Text:
    """A state's name in the colour of its type, optionally followed by its message."""
    from rich.text import Text

    text = Text(state.name, style=STATE_STYLES[state.type])
    if with_message and state.message:
        text.append(f" - {state.message}")
    return text


def local_time(moment: datetime | None, with_zone: bool = False) -> str:
    """`2026-03-01 14:05:09` in the local timezone, or '-' when there is no time."""
    if moment is None:
        return "-"
    shown = moment.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if with_zone else "%Y-%m-%d %H:%M:%S")


def clock_time(moment: datetime) -> str:
    """`14:05:09.123` in the local timezone, as the run's terminal output shows it."""
    shown = moment.astimezone()
    return f"{shown:%H:%M:%S}.{shown.microsecond // 1000:03d}"


def duration(start: datetime | None, end: datetime | None, state: State | None = None) -> str:
    """How long a run took; for a run still going, how long so far. '-' if it never started."""
    if start is None:
        return "-"
    if end is None:
        if state is None or state.is_final():
            return "-"
        end = now_utc()
    return format_seconds((end - start).total_seconds())


def format_seconds(seconds: float) -> str:
    """`0.42s`, `12.3s`, `4m 05s`, `2h 03m`: short and exact enough to compare runs."""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def pretty_json(data: Any) -> Text:
    """`data` as indented JSON; values JSON cannot hold are shown with str()."""
    from rich.text import Text

    return Text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def offset_time(moment: datetime | None, zone: str | None = None) -> str:
    """`2026-12-02 01:30:00-03:00`: `moment` in `zone` (CAUCE_DEFAULT_TIMEZONE when
    omitted) with its UTC offset, so no reader has to guess the zone; '-' for None."""
    if moment is None:
        return "-"
    from zoneinfo import ZoneInfo

    from cauce.settings import get_settings

    shown = moment.astimezone(ZoneInfo(zone or get_settings().default_timezone))
    return shown.isoformat(sep=" ", timespec="seconds")
