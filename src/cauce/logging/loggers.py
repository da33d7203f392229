"""`get_logger`: a plain logger under the `cauce` logger, as Prefect's `prefect.logging.get_logger`.

Its lines go to the terminal (and the log file) with cauce's format and level, inside a
run or not, but not to a run's stored logs: those are for `get_run_logger`, as in Prefect,
whose `get_logger` loggers are not sent to its API either.
"""

from __future__ import annotations

import logging

# Prefect's prefect.logging.loggers holds the run loggers too.
from cauce.logging.run_logger import disable_run_logger, get_run_logger

__all__ = ["disable_run_logger", "get_logger", "get_run_logger"]

_PARENT = "cauce"


class _ConsoleOnly(logging.Filter):
    """Marks a record as the terminal's only, so the run log handler leaves it out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.not_recorded = True
        return True


_console_only = _ConsoleOnly()


def get_logger(name: str | None = None) -> logging.Logger:
    """The logger `cauce.<name>` (`cauce` without a name; a name already starting with
    `cauce.` is kept), with cauce's logging set up so its lines show from the first one."""
    from cauce.logging.config import configure_logging
    from cauce.settings import get_settings

    # Set up now, not at the first run: a script logs before it calls any flow.
    configure_logging(get_settings())
    if not name:
        logger = logging.getLogger(_PARENT)
    elif name.startswith(f"{_PARENT}."):
        logger = logging.getLogger(name)
    else:
        logger = logging.getLogger(f"{_PARENT}.{name}")
    logger.addFilter(_console_only)  # the same filter object: added once however often asked
    return logger
