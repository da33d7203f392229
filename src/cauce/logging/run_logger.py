"""Run loggers and where their records go: the terminal (Prefect's shape) and the run's logs.

    12:41:21.089 | INFO    | Flow run 'zippy-skunk' - Hola mundo desde el flujo

Records of the `cauce` loggers carrying a run id are also handed to the
store the engine named with `store_run_logs_with` (its batch writer), which
stores them with that run. Logging sits below the engine and the client, so it
is told where records go rather than choosing a client itself.

The engine's own lines (two a task run) skip the LogRecord and the handler chain
while cauce's default setup is in place untouched: `_log_directly` stores and
prints them exactly as its handlers would. Any other setup gets real records.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cauce.context import find_flow_run, flow_run_context, task_run_context
from cauce.exceptions import MissingContextError
from cauce.interruptions import interruptions_deferred
from cauce.schemas.logs import LogEntry

if TYPE_CHECKING:
    from cauce.logging.run_files import RunFileHandler

_store: Callable[[LogEntry], None] | None = None


def store_run_logs_with(store: Callable[[LogEntry], None]) -> None:
    """Have RunLogHandler hand each record of a run to `store` (the engine sets it)."""
    global _store
    _store = store


class RunLoggerAdapter(logging.LoggerAdapter[logging.Logger]):
    """A logger that stamps each record with its run's ids and name."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        logger = self.logger
        if not logger.isEnabledFor(level):
            return
        # A Ctrl-C or SIGTERM in the middle of logging would leave a handler's lock held.
        with interruptions_deferred():
            if kwargs or not _log_directly(logger, level, msg, args, self.extra or {}):
                # One more frame to skip, so that records name the caller, not this method.
                kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
                super().log(level, msg, *args, **kwargs)

    def engine_log(self, level: int, msg: str, *args: Any) -> None:
        """Log one of cauce's own lines ("Finished in state ..."): as `log`, but without
        looking up the caller's frame, and without a record at all under the default setup."""
        if self.logger.isEnabledFor(level):
            with interruptions_deferred():
                self.engine_log_deferred(level, msg, *args)

    def engine_log_deferred(self, level: int, msg: str, *args: Any) -> None:
        """`engine_log` for a caller already inside `interruptions_deferred()`."""
        logger = self.logger
        if logger.isEnabledFor(level):
            extra = self.extra or {}
            if not _log_directly(logger, level, msg, args, extra):
                logger.handle(
                    logger.makeRecord(logger.name, level, __file__, 0, msg, args, None, None, extra)
                )


@dataclass(frozen=True, slots=True)
class DefaultHandlers:
    """The `cauce` logger's handlers as cauce's default setup installed them."""

    handlers: list[logging.Handler]
    console: logging.StreamHandler[Any]
    formatter: ConsoleFormatter
    files: RunFileHandler


_default_handlers: DefaultHandlers | None = None


def use_default_handlers(handlers: DefaultHandlers | None) -> None:
    """Tell the engine's lines which handlers are cauce's default (None: a user's setup)."""
    global _default_handlers
    _default_handlers = handlers


def _only_default(logger: logging.Logger, level: int, default: DefaultHandlers) -> bool:
    """Whether a record of `logger` at `level` would reach the default handlers, all
    doing their default work, and nothing else."""
    parent = logger.parent
    if (
        logger.handlers
        or logger.filters
        or not logger.propagate
        or type(logger) is not logging.Logger
        or parent is None
        or parent.propagate
        or parent.handlers != default.handlers
        or default.console.formatter is not default.formatter
        or logging.getLogRecordFactory() is not logging.LogRecord
        or not default.files.is_idle()
    ):
        return False
    # A loop here, not any() over a generator nor a call: this runs for every engine line.
    for handler in default.handlers:
        if handler.filters or handler.level > level:
            return False
    return True


def _message(msg: Any, args: tuple[Any, ...]) -> str | None:
    """The message as LogRecord.getMessage makes it (a lone mapping standing for named
    arguments); None when it does not format."""
    if not args:
        return str(msg)
    values: Any = args[0] if len(args) == 1 and isinstance(args[0], Mapping) and args[0] else args
    try:
        message: str = str(msg) % values
    except Exception:
        return None
    return message


def _log_directly(
    logger: logging.Logger, level: int, msg: Any, args: tuple[Any, ...], extra: Mapping[str, Any]
) -> bool:
    """Store and print a run's line as the default handlers would, with no LogRecord;
    False, having done nothing, unless every record would reach exactly those handlers
    and nothing else (no filter, level, record factory, log file or handler of a user's).

    Nothing but those handlers would read the record, and they read only its message,
    level, time, logger name and run; a message that does not format (a wrong argument)
    goes through logging too, which reports it as it always has."""
    default = _default_handlers
    flow_run_id = extra.get("flow_run_id")
    if default is None or flow_run_id is None or not _only_default(logger, level, default):
        return False
    created = time.time()
    message = _message(msg, args)
    if message is None:
        return False
    store = _store
    if store is not None:  # RunLogHandler first: a line shown is already stored
        # By position: keywords cost half as much again as the rest of making it.
        timestamp = datetime.fromtimestamp(created, UTC)
        task_run_id = extra.get("task_run_id")
        store(LogEntry(flow_run_id, task_run_id, logger.name, level, message, timestamp))
    source = extra.get("run_label") or logger.name
    console = default.console
    console.acquire()
    try:  # as StreamHandler.emit
        line = default.formatter.line(created, logging.getLevelName(level), source, message)
        stream = console.stream
        stream.write(line + console.terminator)
        if stream and hasattr(stream, "flush"):  # StreamHandler.flush, its lock already held
            stream.flush()
    except RecursionError:
        raise
    except Exception:
        record = logger.makeRecord(logger.name, level, __file__, 0, msg, args, None, None, extra)
        console.handleError(record)
    finally:
        console.release()
    return True


_loggers: dict[str, logging.Logger] = {}


def _run_logger(name: str) -> logging.Logger:
    # logging.getLogger takes logging's module lock on every call. Looked up on first
    # use, not at import: a logger class or configuration set before then still applies.
    logger = _loggers.get(name)
    if logger is None:
        logger = _loggers[name] = logging.getLogger(name)
    return logger


def flow_run_logger(
    flow_run_id: uuid.UUID, flow_run_name: str, flow_name: str | None = None
) -> RunLoggerAdapter:
    """The logger of one flow run (`flow_name` lets its log file be named before it runs)."""
    return RunLoggerAdapter(
        _run_logger("cauce.flow_runs"),
        {
            "flow_run_id": flow_run_id,
            "task_run_id": None,
            "run_label": f"Flow run {flow_run_name!r}",
            "flow_name": flow_name,
        },
    )


def task_run_logger(
    task_run_id: uuid.UUID, task_run_name: str, flow_run_id: uuid.UUID | None
) -> RunLoggerAdapter:
    """The logger of one task run."""
    return RunLoggerAdapter(
        _run_logger("cauce.task_runs"),
        {
            "flow_run_id": flow_run_id,
            "task_run_id": task_run_id,
            "run_label": f"Task run {task_run_name!r}",
        },
    )


def get_run_logger() -> RunLoggerAdapter:
    """The logger of the task or flow run this code is running in.

    Its records go to the terminal and to the run's logs. Outside any run it
    raises MissingContextError.
    """
    task_context = task_run_context.get()
    if task_context is not None:
        task_run = task_context.task_run
        return task_run_logger(task_run.id, task_run.name, task_run.flow_run_id)
    flow_context = flow_run_context.get()
    if flow_context is not None:
        return flow_run_logger(flow_context.flow_run.id, flow_context.flow_run.name)
    silent = logging.getLogger("cauce.task_runs")
    if silent.disabled:  # inside disable_run_logger(): a task's .fn called by a test
        return RunLoggerAdapter(silent, {"flow_run_id": None, "task_run_id": None})
    raise MissingContextError(
        "get_run_logger() was called outside a flow or task run: there is no run to log to. "
        "Call it inside a function decorated with @flow or @task, or use logging.getLogger()."
    )


_ONE_SECOND = timedelta(seconds=1)


class ConsoleFormatter(logging.Formatter):
    """`HH:MM:SS.mmm | LEVEL   | source - message`, the source being a run or a logger name."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")
        # [_second, _next_second): the moments whose clock is _clock (naive datetimes
        # compare and add field by field, so this is "the same second" exactly).
        self._second = self._next_second = datetime.min
        self._clock = ""

    def format(self, record: logging.LogRecord) -> str:
        source = getattr(record, "run_label", None) or record.name
        line = self.line(record.created, record.levelname, source, record.getMessage())
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        return line

    def line(self, created: float, level_name: str, source: str, message: str) -> str:
        """The first line of a record made at `created` (seconds since the epoch)."""
        # The time rounded as the stored line's timestamp is (RunLogHandler), so that
        # `cauce flow-run logs` shows the very line the terminal did; record.msecs
        # truncates instead, and is a millisecond off now and then.
        moment = datetime.fromtimestamp(created)
        # strftime once a second, not once a line; compared, not replace()d, as that costs more
        if not self._second <= moment < self._next_second:
            self._second = second = moment.replace(microsecond=0)
            self._next_second = second + _ONE_SECOND
            self._clock = moment.strftime(self.datefmt or "")
        # zfill and ljust: as :03d and :<7 would, at half the cost of a format spec.
        milliseconds = str(moment.microsecond // 1000).zfill(3)
        level = level_name.ljust(7) if type(level_name) is str else f"{level_name:<7}"
        return f"{self._clock}.{milliseconds} | {level} | {source} - {message}"


NOT_RECORDED = {"not_recorded": True}
"""`extra=` for a record meant for the console and log files only, never the run's stored logs."""


class RunLogHandler(logging.Handler):
    """Hands records that belong to a run to the run logs' store (`store_run_logs_with`)."""

    def emit(self, record: logging.LogRecord) -> None:
        store = _store
        if store is None or getattr(record, "not_recorded", False):
            return  # no run has started in this process, or a console-only line
        flow_run_id = getattr(record, "flow_run_id", None)
        task_run_id = getattr(record, "task_run_id", None)
        if flow_run_id is None:
            # A stdlib logger's record (CAUCE_LOGGING_EXTRA_LOGGERS): the run it came from.
            task_context = task_run_context.get()
            if task_context is not None:
                flow_run_id = task_context.task_run.flow_run_id
                task_run_id = task_context.task_run.id
            if flow_run_id is None:
                context = find_flow_run()
                if context is None:
                    return
                flow_run_id = context.flow_run.id
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{ConsoleFormatter().formatException(record.exc_info)}"
        store(
            LogEntry(
                flow_run_id=flow_run_id,
                task_run_id=task_run_id,
                name=record.name,
                level=record.levelno,
                message=message,
                timestamp=datetime.fromtimestamp(record.created, UTC),
            )
        )


@contextmanager
def disable_run_logger() -> Iterator[None]:
    """Within the block, run loggers drop every record, and get_run_logger() outside a
    run returns such a logger instead of raising: for calling a task's `.fn` in tests."""
    loggers = [logging.getLogger("cauce.flow_runs"), logging.getLogger("cauce.task_runs")]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, before, strict=True):
            logger.disabled = was
