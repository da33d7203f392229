"""`log_prints=True`: `print()` inside such a run goes to the run's logs instead of stdout.

builtins.print is replaced once, the first time a run asks for it; the
replacement looks at the current run and prints normally everywhere else.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cauce.context import flow_run_context, task_run_context

_original_print = builtins.print


def _print(
    *args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None, flush: bool = False
) -> None:
    if file is None or file is sys.stdout:
        logger = _print_logger()
        if logger is not None:
            logger.info((sep if sep is not None else " ").join(str(a) for a in args))
            return
    _original_print(*args, sep=sep, end=end, file=file, flush=flush)


def _print_logger() -> Any:
    from cauce.logging.run_logger import flow_run_logger, task_run_logger

    task_context = task_run_context.get()
    if task_context is not None:
        if not task_context.log_prints:
            return None
        run = task_context.task_run
        return task_run_logger(run.id, run.name, run.flow_run_id)
    flow_context = flow_run_context.get()
    if flow_context is not None and flow_context.log_prints:
        return flow_run_logger(flow_context.flow_run.id, flow_context.flow_run.name)
    return None


@contextmanager
def print_to_run_logs(enabled: bool) -> Iterator[None]:
    """Make sure print is routed when a run with log_prints starts."""
    if enabled and builtins.print is not _print:
        builtins.print = _print
    yield
