"""Log files of runs: CAUCE_LOGGING_FILE for every record of a run, and `log_to_file`
(or `@flow(log_file=)` / `@task(log_file=)`) to send part of a run to another file.

A path may hold `{flow_name}` (the flow of the run logging), `{script_dir}` (the
folder of the script that was started) and `{date}` (the record's local date,
YYYY-MM-DD), so one setting serves every script. Files are
SharedRotatingFileHandler's: safe with several processes writing one file.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from cauce.context import find_flow_run
from cauce.logging.file_handler import SharedRotatingFileHandler
from cauce.logging.run_logger import ConsoleFormatter

# The file the current block of a run logs to instead of CAUCE_LOGGING_FILE.
_file_override: ContextVar[str | None] = ContextVar("cauce_log_file", default=None)


@contextmanager
def log_to_file(path: str | Path) -> Iterator[None]:
    """Within the block, the run's records go to `path` instead of the run's log file.

    `path` may hold `{flow_name}`, `{script_dir}` and `{date}`. The terminal and
    the run's stored logs still receive every record.
    """
    token = _file_override.set(str(path))
    try:
        yield
    finally:
        _file_override.reset(token)


def script_dir() -> Path:
    """The folder of the script this process started from (the working folder if none)."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv else "")
    return Path(main_file).resolve().parent if main_file else Path.cwd()


def resolve_path(template: str, flow_name: str, when: datetime) -> Path:
    """The file a template names for a run of `flow_name` at `when`."""
    return Path(
        template.format(
            flow_name=flow_name, script_dir=script_dir(), date=when.strftime("%Y-%m-%d")
        )
    ).expanduser()


class FileFormatter(ConsoleFormatter):
    """The terminal's line shape with the date: `YYYY-MM-DD HH:MM:SS.mmm | LEVEL | ...`."""

    def __init__(self) -> None:
        super().__init__()
        self.datefmt = "%Y-%m-%d %H:%M:%S"


class RunFileHandler(logging.Handler):
    """Writes records of runs to the file their run logs to: the block's `log_to_file`
    path, else `template` (CAUCE_LOGGING_FILE). Records outside any run, or when
    neither is set, are not written."""

    def __init__(self, template: str = "", max_bytes: int = 10_000_000, backup_count: int = 5):
        super().__init__()
        self.template = template
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._files: dict[Path, SharedRotatingFileHandler] = {}

    def is_idle(self) -> bool:
        """Whether a record made now would be written nowhere (no file is set)."""
        return not (_file_override.get() or self.template)

    def emit(self, record: logging.LogRecord) -> None:
        template = _file_override.get() or self.template
        if not template:
            return
        flow_name = getattr(record, "flow_name", None)
        if flow_name is None:
            context = find_flow_run(getattr(record, "flow_run_id", None))
            if context is None:
                return
            flow_name = context.flow_run.flow_name
        try:
            when = datetime.fromtimestamp(record.created)
            path = resolve_path(template, flow_name, when)
            handler = self._files.get(path)
            if handler is None:
                handler = SharedRotatingFileHandler(path, self.max_bytes, self.backup_count)
                handler.setFormatter(self.formatter or FileFormatter())
                self._files[path] = handler
            handler.emit(record)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        for handler in self._files.values():
            handler.close()
        self._files.clear()
        super().close()
