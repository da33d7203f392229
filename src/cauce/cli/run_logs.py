"""A flow run's stored log lines, printed in the shape of its terminal output.

    12:41:21.089 | INFO    | Flow run 'zippy-skunk' - Hola mundo desde el flujo

The source is the run's label for the run loggers and the logger's name for
the others, as `cauce.logging.run_logger.ConsoleFormatter` prints it (a test
compares the two). Times are in the local timezone.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import TYPE_CHECKING

from cauce.cli.errors import CliError
from cauce.cli.output import clock_time
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

FOLLOW_POLL_SECONDS = 0.5

# The loggers of flow_run_logger() and task_run_logger() in cauce.logging.run_logger,
# whose records the terminal labels with the run instead of the logger name.
_FLOW_RUN_LOGGER = "cauce.flow_runs"
_TASK_RUN_LOGGER = "cauce.task_runs"
_PAGE_SIZE = 1000
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_level(raw: str | None) -> int:
    """The minimum level asked for with --level (a name in any case, or a number); 0 if none."""
    if raw is None:
        return 0
    if raw.strip().isdigit():
        return int(raw)
    level = logging.getLevelNamesMapping().get(raw.strip().upper())
    if level is None:
        raise CliError(f"{raw!r} is not a log level; use one of {', '.join(_LEVELS)}")
    return level


def print_logs(client: CauceClient, run: FlowRun, min_level: int, follow: bool) -> None:
    """Print the run's lines; with `follow`, keep polling until the run is final, then drain."""
    sources = _Sources(client, run)
    after_id = 0
    try:
        while True:
            # Read the state before the lines: a run's lines are all stored before
            # its final state is, so a final state seen here means this read is the last.
            done = not follow or client.read_flow_run(run.id).state.is_final()
            after_id = _print_new_lines(client, run.id, min_level, after_id, sources)
            if done:
                return
            time.sleep(FOLLOW_POLL_SECONDS)
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _print_new_lines(
    client: CauceClient, flow_run_id: uuid.UUID, min_level: int, after_id: int, sources: _Sources
) -> int:
    while True:
        page = client.read_logs(flow_run_id, min_level, after_id, _PAGE_SIZE)
        for log_id, entry in page:
            sys.stdout.write(format_line(entry, sources.of(entry)) + "\n")
            after_id = log_id
        sys.stdout.flush()
        if len(page) < _PAGE_SIZE:
            return after_id


def format_line(entry: LogEntry, source: str) -> str:
    """`HH:MM:SS.mmm | LEVEL   | source - message`, the time in the local timezone."""
    level = logging.getLevelName(entry.level)
    return f"{clock_time(entry.timestamp)} | {level:<7} | {source} - {entry.message}"


class _Sources:
    """What each line names as its source; task-run names are read once, and again on a new one."""

    def __init__(self, client: CauceClient, run: FlowRun) -> None:
        self._client = client
        self._run = run
        self._task_run_names: dict[uuid.UUID, str | None] = {}

    def of(self, entry: LogEntry) -> str:
        if entry.name == _FLOW_RUN_LOGGER:
            return f"Flow run {self._run.name!r}"
        if entry.name == _TASK_RUN_LOGGER and entry.task_run_id is not None:
            name = self._task_run_name(entry.task_run_id)
            if name is not None:
                return f"Task run {name!r}"
        return entry.name

    def _task_run_name(self, task_run_id: uuid.UUID) -> str | None:
        if task_run_id not in self._task_run_names:
            task_runs = self._client.read_task_runs(self._run.id)
            self._task_run_names.update((t.id, t.name) for t in task_runs)
            self._task_run_names.setdefault(task_run_id, None)
        return self._task_run_names[task_run_id]
