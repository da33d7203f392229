"""$CAUCE_HOME/profiles.toml: named sets of settings, one of them active.

The file has Prefect's shape:

    active = "default"

    [profiles.default]
    CAUCE_API_URL = "http://127.0.0.2:5000/api"

It is read with tomllib and written back whole by `dumps()`, a writer for just
this shape, through a temporary file and `os.replace`, so a crash never leaves
half a file. Every profile, key and value is kept as it was (numbers typed by
hand come back as strings; comments are not kept). Which names and values are
valid is decided by settings.py when a profile is used. A file that is not valid TOML is
reported with its line and is never rewritten.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cauce.settings.definitions import BY_ENV_NAME, SettingsError

DEFAULT_PROFILE = "default"
FILE_NAME = "profiles.toml"

_BARE_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def profiles_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where profiles.toml is: in CAUCE_HOME from the environment, else in ~/.cauce."""
    env = os.environ if environ is None else environ
    home = BY_ENV_NAME["CAUCE_HOME"]
    raw = env.get(home.env_name, "")
    if not raw.strip():  # empty counts as not set, as for every setting
        raw = home.default or ""
    try:
        return Path(home.parse(raw)) / FILE_NAME
    except ValueError as exc:
        raise SettingsError(f"{home.env_name}: {exc}") from None


class Profiles:
    """What profiles.toml holds: the active profile's name and each profile's settings."""

    def __init__(
        self,
        path: Path,
        active: str = DEFAULT_PROFILE,
        profiles: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.path = path
        self.active = active
        self.profiles = {DEFAULT_PROFILE: {}} if profiles is None else profiles

    def __repr__(self) -> str:
        return f"Profiles({str(self.path)!r}, active={self.active!r}, names={list(self.profiles)})"

    def selected(self, environ: Mapping[str, str] | None = None) -> str:
        """The profile this command uses: CAUCE_PROFILE if set, else the active one."""
        env = os.environ if environ is None else environ
        return env.get("CAUCE_PROFILE") or self.active

    def get(self, name: str) -> dict[str, str]:
        """The settings of profile `name` (the dict itself, to change it in place).

        "default" always exists: empty when the file has no such table.
        """
        if name not in self.profiles:
            if name == DEFAULT_PROFILE:
                return self.profiles.setdefault(name, {})
            known = ", ".join(self.profiles) or "none"
            raise SettingsError(f"No profile named {name!r} in {self.path} (profiles: {known})")
        return self.profiles[name]

    def create(self, name: str, copy_from: str | None = None) -> None:
        """Add an empty profile, or a copy of `copy_from`."""
        _check_new_name(name, self)
        settings = dict(self.get(copy_from)) if copy_from is not None else {}
        self.profiles[name] = settings

    def use(self, name: str) -> None:
        """Make `name` the active profile."""
        self.get(name)
        self.active = name

    def rename(self, old: str, new: str) -> None:
        """Rename a profile, keeping its place in the file; the active one stays active."""
        self.get(old)
        _check_new_name(new, self)
        self.profiles = {(new if name == old else name): s for name, s in self.profiles.items()}
        if self.active == old:
            self.active = new

    def delete(self, name: str) -> None:
        """Remove a profile; the active one cannot be removed."""
        self.get(name)
        if name == self.active:
            raise SettingsError(
                f"Profile {name!r} is active; switch to another with "
                f"`cauce profile use NAME` before deleting it"
            )
        del self.profiles[name]

    def save(self) -> None:
        """Write the file atomically: a temporary file in the same folder, then os.replace."""
        import tempfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file readable by its owner only: profiles may hold a password.
        fd, temporary = tempfile.mkstemp(prefix=".profiles-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
                file.write(dumps(self))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def read_profiles(path: Path) -> Profiles:
    """The profiles in `path`; only the default, empty profile when there is no file yet."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        # No file, or CAUCE_HOME is not a folder: no profiles there; the database,
        # which needs the folder, says what is wrong with it.
        return Profiles(path)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    import tomllib

    try:
        # Windows Notepad may start the file with a byte order mark.
        text = data.decode("utf-8").removeprefix("\ufeff")
        document = tomllib.loads(text)
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {_describe_toml_error(str(exc), text)}") from None
    return _profiles_from(path, document)


def dumps(profiles: Profiles) -> str:
    """The text of profiles.toml for `profiles`: `active`, then one table per profile."""
    lines = [f"active = {_string(profiles.active)}"]
    for name, settings in profiles.profiles.items():
        lines += ["", f"[profiles.{_key(name)}]"]
        lines += [f"{_key(key)} = {_string(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def _profiles_from(path: Path, document: dict[str, Any]) -> Profiles:
    unknown = [key for key in document if key not in {"active", "profiles"}]
    if unknown:
        raise SettingsError(
            f'{path}: unknown key {unknown[0]!r}; the file holds `active = "NAME"` '
            f"and [profiles.NAME] tables"
        )
    active = document.get("active", DEFAULT_PROFILE)
    if not isinstance(active, str):
        raise SettingsError(f"{path}: `active` must be a profile name in quotes")
    tables = document.get("profiles", {})
    if not isinstance(tables, dict):
        raise SettingsError(f"{path}: `profiles` must hold [profiles.NAME] tables")
    profiles: dict[str, dict[str, str]] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: profiles.{name} must be a [profiles.{name}] table")
        profiles[name] = {key: _text(path, name, key, value) for key, value in table.items()}
    return Profiles(path, active, profiles)


def _text(path: Path, profile: str, key: str, value: object) -> str:
    """A profile value as text: strings as they are; numbers, booleans and lists typed by hand."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    raise SettingsError(
        f'{path}: profile {profile!r}: {key} must be a string such as "value", '
        f"got {type(value).__name__}"
    )


def _describe_toml_error(message: str, text: str) -> str:
    import re

    match = re.match(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", message)
    if match is None:
        return f"invalid TOML: {message}"
    problem, line, column = match.groups()
    if line is None:  # "at end of document"
        lines = text.splitlines() or [""]
        line, column = str(len(lines)), str(len(lines[-1]) + 1)
    hint = ""
    if problem.startswith("Unescaped '\\'") or "hex value" in problem:
        hint = " (inside \"...\" write \\\\ for each \\, or use '...' for Windows paths)"
    return f"invalid TOML at line {line}, column {column}: {problem}{hint}"


def _check_new_name(name: str, profiles: Profiles) -> None:
    if not _is_bare_key(name):
        raise SettingsError(f"{name!r} cannot be a profile name; use letters, digits, '-' and '_'")
    if name in profiles.profiles:
        raise SettingsError(f"Profile {name!r} already exists")


def _key(name: str) -> str:
    return name if _is_bare_key(name) else _basic_string(name)


def _is_bare_key(name: str) -> bool:
    return bool(name) and all(char in _BARE_KEY_CHARS for char in name)


def _string(value: str) -> str:
    # Windows paths read better as literal strings: 'C:\Users\x' instead of "C:\\Users\\x".
    if "\\" in value and "'" not in value and not _has_control(value):
        return f"'{value}'"
    return _basic_string(value)


def _basic_string(value: str) -> str:
    escaped = "".join(
        _ESCAPES.get(char) or (f"\\u{ord(char):04x}" if _is_control(char) else char)
        for char in value
    )
    return f'"{escaped}"'


def _has_control(value: str) -> bool:
    return any(_is_control(char) for char in value)


def _is_control(char: str) -> bool:
    return char < " " or char == "\x7f"
