"""Convert Prefect's profiles.toml into cauce profiles, saying which settings stay behind.

Prefect keeps `active = "NAME"` and `[profiles.NAME]` tables of `PREFECT_*` settings
in `~/.prefect/profiles.toml` (or `$PREFECT_HOME/profiles.toml`); cauce keeps the same
shape with `CAUCE_*` settings in `$CAUCE_HOME/profiles.toml`. `MAPPED` says which
Prefect setting becomes which cauce one; each converted value is checked with the
cauce setting's own parser. Every other setting is returned as skipped, with why:
Prefect Cloud only, read from the environment only, or no cauce equivalent.

`merge` adds the converted profiles to cauce's; a cauce profile that already holds
settings is never overwritten.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cauce.settings.definitions import BY_ENV_NAME, SettingsError
from cauce.settings.profiles import Profiles

FILE_NAME = "profiles.toml"
_CLOUD = "Prefect Cloud only: cauce has no Cloud; not converted"
_NONE = "cauce has no equivalent setting; not converted"


class PrefectProfilesError(ValueError):
    """A Prefect profiles.toml that cannot be read; the message is one line."""


class _NotConverted(ValueError):
    """A value that has a cauce setting but cannot go there; the message says why."""


@dataclass(frozen=True)
class Skipped:
    """A Prefect setting that is not in the cauce profile, where it is, and why."""

    line: int
    profile: str
    name: str
    reason: str


@dataclass
class ProfilesConversion:
    """Prefect's profiles as cauce settings, the active one, and what stayed behind."""

    active: str | None = None
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    header_lines: dict[str, int] = field(default_factory=dict)


def _same(value: str) -> str:
    return value


def _seconds(value: str) -> str:
    return f"{value}s"


def _api_url(value: str) -> str:
    if "prefect.cloud" in value:
        raise _NotConverted(f"{_CLOUD} (a Prefect Cloud URL)")
    return value


def _database_url(value: str) -> str:
    # Prefect names its async drivers; cauce takes the plain scheme.
    for driver in ("+aiosqlite", "+asyncpg"):
        value = value.replace(driver, "", 1)
    return value


# Prefect setting -> (cauce setting, how its value is written there).
MAPPED: dict[str, tuple[str, Callable[[str], str]]] = {
    "PREFECT_API_URL": ("CAUCE_API_URL", _api_url),
    "PREFECT_API_AUTH_STRING": ("CAUCE_API_AUTH_STRING", _same),
    "PREFECT_SERVER_API_AUTH_STRING": ("CAUCE_API_AUTH_STRING", _same),
    "PREFECT_API_DATABASE_CONNECTION_URL": ("CAUCE_API_DATABASE_URL", _database_url),
    "PREFECT_SERVER_DATABASE_CONNECTION_URL": ("CAUCE_API_DATABASE_URL", _database_url),
    "PREFECT_SERVER_API_HOST": ("CAUCE_SERVER_HOST", _same),
    "PREFECT_SERVER_API_PORT": ("CAUCE_SERVER_PORT", _same),
    "PREFECT_LOGGING_LEVEL": ("CAUCE_LOGGING_LEVEL", _same),
    "PREFECT_LOGGING_EXTRA_LOGGERS": ("CAUCE_LOGGING_EXTRA_LOGGERS", _same),
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": (
        "CAUCE_SERVER_SCHEDULER_INTERVAL",
        _seconds,
    ),
    "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": ("CAUCE_LATE_AFTER", _seconds),
    "PREFECT_WORKER_HEARTBEAT_SECONDS": ("CAUCE_WORKER_HEARTBEAT", _seconds),
}

# Prefect settings (or prefixes, ending in _) that are not converted, and why; else _NONE.
REASONS: dict[str, str] = {
    "PREFECT_API_KEY": _CLOUD,
    "PREFECT_CLOUD_": _CLOUD,
    "PREFECT_HOME": "CAUCE_HOME is read from the environment only (it says where the "
    "profiles are): set it there",
    "PREFECT_PROFILES_PATH": "cauce's profiles are in $CAUCE_HOME/profiles.toml",
    "PREFECT_LOGGING_SETTINGS_PATH": "a Prefect logging YAML does not fit cauce: "
    "`cauce migrate` in its folder writes cauce-logging.yml; set "
    "CAUCE_LOGGING_SETTINGS_PATH to that file",
    "PREFECT_UI_": "cauce's UI has no settings; not converted",
}


def find(
    root: Path | None, prefect_home: Path | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The Prefect profiles file to convert, or None: --prefect-home's, then the
    project's, then $PREFECT_HOME's, then ~/.prefect's."""
    env = os.environ if environ is None else environ
    if prefect_home is not None:
        return prefect_home / FILE_NAME
    candidates = [root / FILE_NAME] if root is not None else []
    if env.get("PREFECT_HOME", "").strip():
        candidates.append(Path(env["PREFECT_HOME"]).expanduser() / FILE_NAME)
    candidates.append(Path.home() / ".prefect" / FILE_NAME)
    return next((path for path in candidates if path.is_file()), None)


def convert(path: Path) -> ProfilesConversion:
    """Prefect's profiles at `path` as cauce settings; nothing is written."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PrefectProfilesError(f"{path}: cannot be read as TOML ({exc})") from None
    tables = document.get("profiles", {})
    if not isinstance(tables, dict):
        raise PrefectProfilesError(f"{path}: `profiles` must hold [profiles.NAME] tables")
    lines = _key_lines(text)
    conversion = ProfilesConversion()
    for name, table in tables.items():
        settings: dict[str, str] = {}
        for key, value in (table if isinstance(table, dict) else {}).items():
            line = lines.get((name, key), lines.get((name, ""), 1))
            try:
                cauce_name, cauce_value = convert_setting(key, value)
            except _NotConverted as exc:
                conversion.skipped.append(Skipped(line, name, key, str(exc)))
                continue
            settings[cauce_name] = cauce_value
        if settings:
            conversion.profiles[name] = settings
            conversion.header_lines[name] = lines.get((name, ""), 1)
    active = document.get("active")
    conversion.active = active if active in conversion.profiles else None
    return conversion


def convert_setting(name: str, value: Any) -> tuple[str, str]:
    """The cauce setting and value for one Prefect setting; _NotConverted says why not."""
    if name not in MAPPED:
        reason = next((why for key, why in REASONS.items() if _matches(name, key)), _NONE)
        raise _NotConverted(reason)
    cauce_name, rewrite = MAPPED[name]
    converted = rewrite(_text(value))
    try:
        BY_ENV_NAME[cauce_name].parse(converted)
    except (ValueError, SettingsError) as exc:
        raise _NotConverted(f"{converted!r} is not valid for {cauce_name}: {exc}") from None
    return cauce_name, converted


def _matches(name: str, key: str) -> bool:
    return name.startswith(key) if key.endswith("_") else name == key


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(profile, key) -> line, read from the text (tomllib keeps no lines); key "" is the
    table's header. Quoted profile names are rare enough to fall back to line 1."""
    lines: dict[tuple[str, str], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[profiles.") and stripped.endswith("]"):
            table = stripped[len("[profiles.") : -1].strip().strip("\"'")
            lines[(table, "")] = number
        elif "=" in stripped and table:
            lines.setdefault((table, stripped.partition("=")[0].strip().strip("\"'")), number)
    return lines


def merge(conversion: ProfilesConversion, target: Profiles, is_new: bool) -> list[tuple[str, str]]:
    """Add the converted profiles to `target`; those left out, each with why.

    A cauce profile that already holds settings is kept as it is. When cauce had no
    profiles file (`is_new`), Prefect's active profile becomes the active one.
    """
    refused: list[tuple[str, str]] = []
    for name, settings in conversion.profiles.items():
        if target.profiles.get(name):
            refused.append((name, f"cauce already has a profile {name!r}: not overwritten"))
            continue
        try:
            if name not in target.profiles:
                target.create(name)
        except SettingsError as exc:
            refused.append((name, str(exc)))
            continue
        target.profiles[name].update(settings)
    if is_new and conversion.active in target.profiles:
        target.active = conversion.active
    return refused
