"""Set up logging once per process, when the first run starts.

Without CAUCE_LOGGING_SETTINGS_PATH the setup is built in code, and equals the
shipped logging.yml (a test keeps them equal): reading YAML and importing
logging.config would cost a flow script a tenth of a second. With it, the
user's YAML is read, `${CAUCE_...}` replaced by the settings' values, and
applied with dictConfig.

Then every logger of CAUCE_LOGGING_EXTRA_LOGGERS gets the handlers of the
`cauce` logger. This happens when a run starts, not when cauce is imported, so
it does not matter whether the user's code created its logger before or after
importing cauce. cauce changes no other logger.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

from cauce.logging.run_files import FileFormatter, RunFileHandler
from cauce.logging.run_logger import (
    ConsoleFormatter,
    DefaultHandlers,
    RunLogHandler,
    use_default_handlers,
)
from cauce.settings import Settings, SettingsError

DEFAULT_CONFIG_PATH = Path(__file__).with_name("logging.yml")
_PLACEHOLDER = re.compile(r"\$\{(CAUCE_[A-Z0-9_]+)\}")
# The `cauce` logger's handlers as the last setup left them. Whether logging is set up is
# read from the logger itself, not a flag: code that replaces those handlers (a test, or a
# user's own dictConfig) gets a fresh setup on the next run instead of runs that record
# nothing.
_installed_handlers: list[logging.Handler] | None = None


def configure_logging(settings: Settings, force: bool = False) -> None:
    """Set up cauce's loggers and the extra loggers (once per process unless `force`)."""
    global _installed_handlers
    cauce_logger = logging.getLogger("cauce")
    if not force and _installed_handlers == cauce_logger.handlers:
        return
    use_default_handlers(None)
    if settings.logging.settings_path is not None:
        apply_yaml(settings.logging.settings_path)
    else:
        use_default_handlers(_apply_default(settings))
    attach_extra_loggers(settings.logging.extra_loggers, settings.logging.level)
    _installed_handlers = list(cauce_logger.handlers)


def _apply_default(settings: Settings) -> DefaultHandlers:
    logger = logging.getLogger("cauce")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(settings.logging.level)
    logger.propagate = False
    # Stored first, then shown: a line seen on the terminal is already queued for the
    # store, even if an interruption (Ctrl-C, a timeout) arrives in between.
    logger.addHandler(RunLogHandler())
    console = logging.StreamHandler(sys.stderr)
    formatter = ConsoleFormatter()
    console.setFormatter(formatter)
    logger.addHandler(console)
    files = RunFileHandler(
        settings.logging.file or "",
        settings.logging.file_max_bytes,
        settings.logging.file_backup_count,
    )
    files.setFormatter(FileFormatter())
    logger.addHandler(files)
    return DefaultHandlers(list(logger.handlers), console, formatter, files)


def load_yaml_config(path: Path) -> dict[str, Any]:
    """A dictConfig dict from the YAML at `path`, `${CAUCE_...}` replaced; SettingsError
    naming the file when it cannot be read or is not a logging configuration."""
    import yaml

    from cauce.settings.settings import resolve

    where = f"CAUCE_LOGGING_SETTINGS_PATH: {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{where}: cannot read it: {exc.strerror or exc}") from None
    values = resolve().values

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise SettingsError(f"{where}: ${{{name}}} is not a cauce setting")
        return values[name].shown(show_secrets=True) or ""

    try:
        config = yaml.safe_load(_PLACEHOLDER.sub(substitute, text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise SettingsError(f"{where}: invalid YAML{at}: {problem}") from None
    if not isinstance(config, dict) or config.get("version") != 1:
        raise SettingsError(f"{where}: not a logging configuration (it needs 'version: 1')")
    # Loggers the file does not name keep working, unless the file says otherwise.
    config.setdefault("disable_existing_loggers", False)
    return config


def apply_yaml(path: Path) -> None:
    """Configure logging from the YAML file at `path`."""
    import logging.config

    config = load_yaml_config(path)
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        reason = str(exc).replace("\n", " ")
        raise SettingsError(f"CAUCE_LOGGING_SETTINGS_PATH: {path}: {reason}") from None


def attach_extra_loggers(names: tuple[str, ...], level: str) -> None:
    """Give each named stdlib logger the `cauce` logger's handlers (once), and cauce's
    level when it has none of its own."""
    handlers = logging.getLogger("cauce").handlers
    for name in names:
        logger = logging.getLogger(name)
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
