"""What a run's process prints, as its worker shows it and records it.

The worker forwards every line its run's process prints to its own console, and
records those the run did not record itself as the run's log lines: a `print()`
without `log_prints`, a warning, a traceback printed by a library. The run's
console handler marks each line it prints (a record it has already stored) with
RECORDED_MARK, which the worker strips and does not record twice.
"""

from __future__ import annotations

import logging
import os

from cauce.logging.run_logger import ConsoleFormatter

RECORDED_MARK = "\x1e"
WORKER_PID_VARIABLE = "CAUCE_WORKER_PID"
"""Set by a worker in its runs' environment: its pid, so the run knows it has a worker."""


class MarkedConsoleFormatter(ConsoleFormatter):
    """The console format, each line marked as already recorded."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return "\n".join(RECORDED_MARK + line for line in text.split("\n"))


def mark_recorded_console_lines() -> None:
    """In a worker's run process: mark the lines cauce's console handler prints."""
    for handler in logging.getLogger("cauce").handlers:
        if isinstance(handler, logging.StreamHandler) and isinstance(
            handler.formatter, ConsoleFormatter
        ):
            handler.setFormatter(MarkedConsoleFormatter())


def has_worker() -> bool:
    """Whether this process was started by a worker."""
    return WORKER_PID_VARIABLE in os.environ


def split_mark(line: str) -> tuple[str, bool]:
    """The line without its mark, and whether the run recorded it already."""
    if line.startswith(RECORDED_MARK):
        return line[len(RECORDED_MARK) :], True
    return line, False
