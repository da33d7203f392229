"""The settings model: every CAUCE_* setting with its default and description.

Read once per process by `get_settings()`. Sources, highest first: environment
variables, then defaults. Parsing is plain Python on purpose: settings are read
by every run, and importing pydantic-settings alone costs a third of a second.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting has a bad value or an unknown name; the message names the setting."""


def _parse_path(raw: str) -> Path:
    return Path(raw).expanduser()


def _parse_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"expected an http(s) URL such as http://127.0.0.1:4200/api, got {raw!r}")
    return raw.rstrip("/")


def _parse_database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme.split("+")[0]
    if scheme not in {"sqlite", "postgresql"}:
        raise ValueError(f"expected sqlite:///path or postgresql://..., got {raw!r}")
    return raw


def _parse_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {raw!r}")
    return level


@dataclass(frozen=True, slots=True)
class Settings:
    """cauce's settings; each field is the CAUCE_<FIELD> variable."""

    home: Path
    api_url: str | None
    api_database_url: str | None
    logging_level: str

    @property
    def database_url(self) -> str:
        """Where runs are stored when no API URL is set: the configured URL or SQLite in home."""
        return self.api_database_url or f"sqlite:///{self.home / 'cauce.db'}"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default `os.environ`) over the defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            definition = SETTINGS[f.name]
            key = f"CAUCE_{f.name.upper()}"
            raw = env.get(key)
            if raw is None or raw == "":
                values[f.name] = definition.default()
                continue
            try:
                values[f.name] = definition.parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{key}: {exc}") from None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class SettingDefinition:
    """How one setting is parsed, what it defaults to and what it means."""

    parse: Callable[[str], Any]
    default: Callable[[], Any]
    description: str


SETTINGS: dict[str, SettingDefinition] = {
    "home": SettingDefinition(
        _parse_path,
        lambda: Path("~/.cauce").expanduser(),
        "Where profiles, the local database and default log files live.",
    ),
    "api_url": SettingDefinition(
        _parse_url, lambda: None, "Server to record runs on; unset = embedded local database."
    ),
    "api_database_url": SettingDefinition(
        _parse_database_url,
        lambda: None,
        "Database: sqlite:///path or postgresql://...; unset = SQLite under CAUCE_HOME.",
    ),
    "logging_level": SettingDefinition(
        _parse_level, lambda: "INFO", "Level of cauce's and run loggers."
    ),
}

_current: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings.from_environment()
    return _current


def reset_settings() -> None:
    """Forget the cached settings so the next `get_settings()` reads them again."""
    global _current
    _current = None
