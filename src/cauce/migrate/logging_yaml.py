"""Convert a Prefect logging YAML (dictConfig) into one that uses cauce's handlers.

Prefect's handler and formatter classes become cauce's (`HANDLERS`, `FORMATTERS`):
the API handler stores records with the run, as cauce's RunLogHandler does, and
Prefect's console handler becomes a plain StreamHandler with cauce's console
formatter. `prefect` loggers become the `cauce` loggers of the same name where
cauce has one, and `${PREFECT_...}` placeholders the `${CAUCE_...}` setting that
profiles.py maps them to. Anything else (the user's own handlers, formatters,
filters and loggers) is kept as it is. What has no cauce equivalent is dropped
and returned as a note with its line. The YAML's comments are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cauce.migrate.prefect_yaml import Lined, LinedLoader, Note
from cauce.migrate.profiles import MAPPED

NAMES = ("logging.yml", "logging.yaml")
OUTPUT_NAME = "cauce-logging.yml"
_PLACEHOLDER = re.compile(r"\$\{(PREFECT_[A-Z0-9_]+)\}")
_PREFECT = "prefect.logging."

HANDLERS: dict[str, str] = {
    "prefect.logging.handlers.APILogHandler": "cauce.logging.run_logger.RunLogHandler",
    "prefect.logging.handlers.PrefectConsoleHandler": "logging.StreamHandler",
    "prefect.logging.handlers._SafeStreamHandler": "logging.StreamHandler",
}
# What each cauce handler class takes from a handler's entry; the rest is Prefect's own.
_HANDLER_KEYS: dict[str, tuple[str, ...]] = {
    "cauce.logging.run_logger.RunLogHandler": ("level", "filters"),
    "logging.StreamHandler": ("level", "filters", "formatter", "stream"),
}
FORMATTERS: dict[str, str] = {
    "prefect.logging.formatters.PrefectFormatter": "cauce.logging.run_logger.ConsoleFormatter",
}
# The loggers cauce logs to: a `prefect.X` logger becomes `cauce.X` when it is here.
CAUCE_LOGGERS = frozenset(
    {"cauce", "cauce.flow_runs", "cauce.task_runs", "cauce.client", "cauce.engine",
     "cauce.services", "cauce.tasks", "cauce.transactions"}
)  # fmt: skip


class LoggingYamlError(ValueError):
    """A logging YAML that cannot be read as a dictConfig; the message is one line."""


@dataclass
class LoggingConversion:
    """The converted dictConfig's text, and what did not come along."""

    text: str = ""
    notes: list[Note] = field(default_factory=list)


def find(root: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The project's logging.yml, else the file PREFECT_LOGGING_SETTINGS_PATH names."""
    candidates = [root / name for name in NAMES] if root is not None else []
    if environ.get("PREFECT_LOGGING_SETTINGS_PATH", "").strip():
        candidates.append(Path(environ["PREFECT_LOGGING_SETTINGS_PATH"]).expanduser())
    return next((path for path in candidates if path.is_file()), None)


def convert(path: Path) -> LoggingConversion:
    """The logging YAML at `path` with cauce's classes and loggers; nothing is written."""
    notes: list[Note] = []
    try:
        text = _placeholders(path.read_text(encoding="utf-8-sig"), notes)
        config = yaml.load(text, Loader=LinedLoader)  # a SafeLoader: plain data only
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LoggingYamlError(f"{path.name}: cannot be read as YAML ({exc})") from None
    if not isinstance(config, Lined) or config.get("version") != 1:
        raise LoggingYamlError(f"{path.name}: not a logging configuration (no 'version: 1')")
    dropped_formatters = _formatters(config.get("formatters"), notes)
    dropped_handlers = _handlers(config.get("handlers"), dropped_formatters, notes)
    config["loggers"] = _loggers(config.get("loggers"), notes)
    for logger in [*config["loggers"].values(), config.get("root")]:
        if isinstance(logger, dict) and isinstance(logger.get("handlers"), list):
            logger["handlers"] = [h for h in logger["handlers"] if h not in dropped_handlers]
    header = (
        f"# Converted from {path.name} by `cauce migrate`.\n"
        f"# To use it, set CAUCE_LOGGING_SETTINGS_PATH to this file's path.\n"
    )
    body = yaml.safe_dump(_plain(config), sort_keys=False, allow_unicode=True)
    notes.sort(key=lambda note: note.line)
    return LoggingConversion(header + body, notes)


def _placeholders(text: str, notes: list[Note]) -> str:
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):

        def replace(match: re.Match[str], number: int = number) -> str:
            name = match.group(1)
            if name in MAPPED:
                return f"${{{MAPPED[name][0]}}}"
            if name.endswith("LOGGING_LEVEL"):
                advice = "no such cauce setting: ${CAUCE_LOGGING_LEVEL} used instead"
                notes.append(Note(number + 1, f"${{{name}}}", advice))
                return "${CAUCE_LOGGING_LEVEL}"
            notes.append(Note(number + 1, f"${{{name}}}", "no such cauce setting: replace it"))
            return match.group(0)

        lines[number] = _PLACEHOLDER.sub(replace, line)
    return "".join(lines)


def _formatters(formatters: Any, notes: list[Note]) -> set[str]:
    """Convert Prefect's formatters in place; the names of those dropped."""
    dropped: set[str] = set()
    for name, entry in list((formatters or {}).items()):
        if not isinstance(entry, Lined):
            continue
        key = "()" if "()" in entry else "class"
        target = str(entry.get(key) or "")
        if not target.startswith(_PREFECT):
            continue
        if target in FORMATTERS:
            if set(entry) - {key}:
                advice = "its format options are not kept: cauce's ConsoleFormatter has its own"
                notes.append(Note(_line(formatters, name), f"formatter {name!r}", advice))
            formatters[name] = {"()": FORMATTERS[target]}
        else:
            advice = f"{target} has no cauce equivalent: dropped, with its handlers' use of it"
            notes.append(Note(_line(formatters, name), f"formatter {name!r}", advice))
            del formatters[name]
            dropped.add(name)
    return dropped


def _handlers(handlers: Any, dropped_formatters: set[str], notes: list[Note]) -> set[str]:
    """Convert Prefect's handlers in place; the names of those dropped."""
    dropped: set[str] = set()
    for name, entry in list((handlers or {}).items()):
        if not isinstance(entry, Lined):
            continue
        if entry.get("formatter") in dropped_formatters:
            del entry["formatter"]
        target = str(entry.get("class") or "")
        if target in HANDLERS:
            cauce_class = HANDLERS[target]
            kept = {key: entry[key] for key in _HANDLER_KEYS[cauce_class] if key in entry}
            handlers[name] = {"class": cauce_class, **kept}
        elif target.startswith(_PREFECT):
            advice = f"{target} has no cauce equivalent: dropped, and from the loggers using it"
            notes.append(Note(_line(handlers, name), f"handler {name!r}", advice))
            del handlers[name]
            dropped.add(name)
    return dropped


def _loggers(loggers: Any, notes: list[Note]) -> dict[str, Any]:
    """The loggers with `prefect` ones renamed to cauce's, in their order."""
    converted: dict[str, Any] = {}
    for name, entry in (loggers or {}).items():
        name = str(name)
        if name != "prefect" and not name.startswith("prefect."):
            converted.setdefault(name, entry)
            continue
        cauce_name = "cauce" + name.removeprefix("prefect")
        line = _line(loggers, name)
        if cauce_name not in CAUCE_LOGGERS:
            advice = "cauce has no such logger: dropped"
            notes.append(Note(line, f"logger {name!r}", advice))
        elif cauce_name in (loggers or {}):
            notes.append(Note(line, f"logger {name!r}", f"{cauce_name!r} is there too: dropped"))
        else:
            converted[cauce_name] = entry
    return converted


def _line(section: Any, name: str) -> int:
    """The line of `name` in a section of the file (its formatters, handlers or loggers)."""
    return section.line_of(name) if isinstance(section, Lined) else 1


def _plain(value: Any) -> Any:
    """Plain dicts and lists for yaml.safe_dump, which refuses dict subclasses."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
