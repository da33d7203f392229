"""Run logging: the run logger, the terminal format, run log files and logging setup.

`cauce.logging.log_to_file(path)` sends the records of a block of a run to another file;
`get_run_logger`, `disable_run_logger` and `get_logger` (a plain logger under `cauce`) are
here too, where Prefect users import them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cauce.logging.loggers import get_logger
    from cauce.logging.run_files import log_to_file
    from cauce.logging.run_logger import disable_run_logger, get_run_logger

__all__ = ["disable_run_logger", "get_logger", "get_run_logger", "log_to_file"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing cauce's logging modules does not load the file handlers.
    if name == "log_to_file":
        from cauce.logging.run_files import log_to_file

        return log_to_file
    if name == "get_logger":
        from cauce.logging.loggers import get_logger

        return get_logger
    if name in ("get_run_logger", "disable_run_logger"):
        from cauce.logging import run_logger

        return getattr(run_logger, name)
    raise AttributeError(f"module 'cauce.logging' has no attribute {name!r}")
