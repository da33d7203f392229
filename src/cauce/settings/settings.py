"""The settings model, and where each value comes from.

`get_settings()` reads every setting once per process. Sources, highest first:
the environment, the active profile in $CAUCE_HOME/profiles.toml (CAUCE_PROFILE
picks another one for one command), then the defaults in definitions.py. An
empty value counts as not set. Parsing is plain Python on purpose: every flow
script reads the settings at start, and importing pydantic-settings alone costs
a third of a second.

The model's path mirrors the variable: `settings.watchdog.running_after` is
CAUCE_WATCHDOG_RUNNING_AFTER. A test checks the model against the definitions.
Its classes are NamedTuples rather than frozen dataclasses for the same reason:
a frozen dataclass costs about 1 ms to create at import, a NamedTuple a tenth
of that, and both are immutable and typed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cauce.settings.definitions import (
    BY_ENV_NAME,
    DEFINITIONS,
    Definition,
    SettingsError,
    env_only_message,
    is_setting_name,
    unknown_name_message,
)
from cauce.settings.parsers import hide_auth_string
from cauce.settings.profiles import Profiles, profiles_path, read_profiles

Source = Literal["env", "profile", "defaults"]


class ApiSettings(NamedTuple):
    """CAUCE_API_*: where runs are recorded."""

    url: str | None
    auth_string: str | None
    database_url: str
    retry_timeout: timedelta

    def __repr__(self) -> str:
        # Settings get logged and printed while debugging; the password must not be.
        auth = None if self.auth_string is None else hide_auth_string(self.auth_string)
        return (
            f"ApiSettings(url={self.url!r}, auth_string={auth!r}, "
            f"database_url={self.database_url!r}, retry_timeout={self.retry_timeout!r})"
        )


class ServerSettings(NamedTuple):
    """CAUCE_SERVER_*: where `cauce server start` listens, and its services' pace."""

    host: str
    port: int
    scheduler_interval: timedelta
    database_pool_size: int
    retention: timedelta | None


class LoggingSettings(NamedTuple):
    """CAUCE_LOGGING_*: levels, extra loggers and the log file."""

    level: str
    extra_loggers: tuple[str, ...]
    settings_path: Path | None
    file: str | None
    file_max_bytes: int
    file_backup_count: int


class WatchdogSettings(NamedTuple):
    """CAUCE_WATCHDOG_*: the server's cancelling of stuck runs."""

    enabled: bool
    interval: timedelta
    late_after: timedelta
    running_after: timedelta


class WorkerSettings(NamedTuple):
    """CAUCE_WORKER_*: workers' liveness."""

    heartbeat: timedelta


class Settings(NamedTuple):
    """cauce's settings; each field's description is in definitions.py."""

    home: Path
    default_timezone: str
    late_after: timedelta
    api: ApiSettings
    server: ServerSettings
    logging: LoggingSettings
    watchdog: WatchdogSettings
    worker: WorkerSettings


SECTIONS: dict[str, Any] = {
    "api": ApiSettings,
    "server": ServerSettings,
    "logging": LoggingSettings,
    "watchdog": WatchdogSettings,
    "worker": WorkerSettings,
}
"""The model's nested sections by attribute name."""


class ResolvedSetting(NamedTuple):
    """One setting's value and where it came from."""

    definition: Definition
    value: Any
    source: Source

    def shown(self, show_secrets: bool = False) -> str | None:
        """The value as a user would type it, its secret part hidden; None when unset."""
        if self.value is None:
            return None
        text = self.definition.show(self.value)
        if self.definition.secret is not None and not show_secrets:
            return self.definition.secret(text)
        return text


class Resolution(NamedTuple):
    """Every setting resolved from its sources: the model, each value's source, the profile."""

    profile: str
    profiles: Profiles
    values: dict[str, ResolvedSetting]
    """By variable name, in the order of the definitions."""

    @property
    def settings(self) -> Settings:
        """The settings model built from these values."""
        by_path = {item.definition.path: item.value for item in self.values.values()}
        sections = {
            name: section(**{field: by_path[f"{name}.{field}"] for field in section._fields})
            for name, section in SECTIONS.items()
        }
        top = {field: by_path[field] for field in Settings._fields if field not in SECTIONS}
        return Settings(**top, **sections)


def resolve(environ: Mapping[str, str] | None = None) -> Resolution:
    """Read every setting from `environ` (default `os.environ`), the active profile and defaults.

    Raises SettingsError naming the first bad setting, an unknown name in the
    profile, a missing profile, or where profiles.toml is not valid TOML.
    """
    env = os.environ if environ is None else environ
    profiles = read_profiles(profiles_path(env))
    name, profile = selected_profile(profiles, env)
    check_profile_names(profiles, name)
    values: dict[str, ResolvedSetting] = {}
    earlier: dict[str, Any] = {}
    for definition in DEFINITIONS:
        item = _resolve_one(definition, env, profile, earlier, profiles, name)
        values[definition.env_name] = item
        earlier[definition.path] = item.value
    return Resolution(name, profiles, values)


def check_profile_names(profiles: Profiles, name: str) -> None:
    """SettingsError if profile `name` holds a key that is not a setting or cannot be in one."""
    where = f" in profile {name!r} of {profiles.path}"
    for key in profiles.get(name):
        definition = BY_ENV_NAME.get(key)
        if definition is None:
            raise SettingsError(unknown_name_message(key, where))
        if definition.env_only:
            raise SettingsError(f"{env_only_message(key)}{where}")


def profile_problems(profiles: Profiles, name: str) -> list[str]:
    """What is wrong with each setting of profile `name`, one message per bad key."""
    problems = []
    for key, raw in profiles.get(name).items():
        definition = BY_ENV_NAME.get(key)
        if definition is None:
            problems.append(unknown_name_message(key))
        elif definition.env_only:
            problems.append(env_only_message(key))
        elif raw.strip():
            try:
                definition.parse(raw)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
    return problems


def unknown_environment_names(environ: Mapping[str, str] | None = None) -> list[str]:
    """CAUCE_* variables in the environment that are not settings (nor CAUCE_PROFILE, ...)."""
    env = os.environ if environ is None else environ
    return sorted(name for name in env if is_setting_name(name) and name not in BY_ENV_NAME)


def warn_unknown_environment(environ: Mapping[str, str] | None = None) -> None:
    """One warning line on stderr for each unknown CAUCE_* variable; they do not fail."""
    for name in unknown_environment_names(environ):
        message = unknown_name_message(name, " in the environment")
        print(f"cauce: warning: {message}; ignored", file=sys.stderr)


def selected_profile(
    profiles: Profiles, environ: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The name and settings of the profile in use: CAUCE_PROFILE's, else the active one."""
    env = os.environ if environ is None else environ
    name = profiles.selected(env)
    try:
        return name, profiles.get(name)
    except SettingsError as exc:
        if env.get("CAUCE_PROFILE"):
            raise SettingsError(f"CAUCE_PROFILE: {exc}") from None
        raise SettingsError(f"{exc}; choose one with `cauce profile use NAME`") from None


def _resolve_one(
    definition: Definition,
    env: Mapping[str, str],
    profile: Mapping[str, str],
    earlier: Mapping[str, Any],
    profiles: Profiles,
    profile_name: str,
) -> ResolvedSetting:
    key = definition.env_name
    raw = env.get(key, "")
    source: Source = "env"
    if not raw.strip() and not definition.env_only:
        raw, source = profile.get(key, ""), "profile"
    if not raw.strip():
        return ResolvedSetting(definition, definition.default_value(earlier), "defaults")
    try:
        return ResolvedSetting(definition, definition.parse(raw), source)
    except ValueError as exc:
        where = f" (in profile {profile_name!r} of {profiles.path})" if source == "profile" else ""
        raise SettingsError(f"{key}: {exc}{where}") from None


_current: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, read on first use; SettingsError names a bad one."""
    global _current
    if _current is None:
        warn_unknown_environment()
        _current = resolve().settings
    return _current


def reset_settings() -> None:
    """Forget the cached settings so the next `get_settings()` reads them again."""
    global _current
    _current = None
