"""How a setting's text becomes its value, and how a value is shown again.

Each parser takes the string from the environment or a profile and returns the
value or raises ValueError with a message that says what was expected; the
caller adds the setting's name. Messages never repeat a password.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from cauce.settings.durations import parse_duration

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FILE_FIELDS = ("flow_name", "script_dir", "date")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_BYTE_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def quoted(text: str) -> str:
    """`text` in single quotes on one line, as messages show values; backslashes kept as typed."""
    return "'" + "".join(char if char >= " " else repr(char)[1:-1] for char in text) + "'"


def parse_text(raw: str) -> str:
    """Any non-blank text, without surrounding spaces."""
    if not raw.strip():
        raise ValueError("expected a value, got blank text")
    return raw.strip()


def parse_path(raw: str) -> Path:
    """A file system path; `~` is the user's home folder."""
    return Path(parse_text(raw)).expanduser()


def parse_bool(raw: str) -> bool:
    """true/false, also 1/0, yes/no, on/off, in any case."""
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {quoted(raw)}")


def parse_count(raw: str) -> int:
    """A whole number, 0 or more."""
    text = raw.strip()
    if not text.isdecimal():
        raise ValueError(f"expected a whole number such as 5, got {quoted(raw)}")
    return int(text)


def parse_positive_count(raw: str) -> int:
    """A whole number, 1 or more."""
    text = raw.strip()
    if not text.isdecimal() or int(text) < 1:
        raise ValueError(f"expected a whole number of 1 or more such as 5, got {quoted(raw)}")
    return int(text)


def parse_port(raw: str) -> int:
    """A TCP port, 1 to 65535."""
    text = raw.strip()
    if not text.isdecimal() or not 1 <= int(text) <= 65535:
        raise ValueError(f"expected a port number from 1 to 65535, got {quoted(raw)}")
    return int(text)


def parse_bytes(raw: str) -> int:
    """A size in bytes: `1048576`, or with KB, MB or GB (1024-based): `10MB`, `512 KB`."""
    text = raw.strip().upper().replace(" ", "")
    number = text.rstrip("KMGB")
    unit = text[len(number) :]
    if not number.isdecimal() or unit not in _BYTE_UNITS or int(number) == 0:
        raise ValueError(
            f"expected a size such as 10MB, 512KB or 1048576 (bytes), got {quoted(raw)}"
        )
    return int(number) * _BYTE_UNITS[unit]


def show_bytes(size: int) -> str:
    """`10MB`, `512KB`, or the plain number of bytes: the inverse of `parse_bytes`."""
    for unit in ("GB", "MB", "KB"):
        count, rest = divmod(size, _BYTE_UNITS[unit])
        if count and not rest:
            return f"{count}{unit}"
    return str(size)


def parse_period(raw: str) -> timedelta:
    """A duration longer than zero: how often something repeats."""
    period = parse_duration(raw)
    if not period:
        raise ValueError(
            f"expected a duration longer than zero such as 30s or 30m, got {quoted(raw)}"
        )
    return period


def parse_level(raw: str) -> str:
    """A logging level name, in any case."""
    level = raw.strip().upper()
    if level not in LEVELS:
        raise ValueError(f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {quoted(raw)}")
    return level


def parse_names(raw: str) -> tuple[str, ...]:
    """A comma-separated list of names; spaces around them and empty items are dropped."""
    return tuple(name.strip() for name in raw.split(",") if name.strip())


def show_names(names: tuple[str, ...]) -> str:
    """Names as the comma list `parse_names` reads."""
    return ",".join(names)


def parse_http_url(raw: str) -> str:
    """An http(s) URL with a host; a trailing `/` is dropped."""
    text = raw.strip()
    parts = _split(text)
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        example = "http://127.0.0.1:4200/api"
        raise ValueError(
            f"expected an http(s) URL such as {example}, got {quoted(hide_password(text))}"
        )
    return text.rstrip("/")


def parse_database_url(raw: str) -> str:
    """`sqlite:///path` or `postgresql://...` (a `+driver` suffix is allowed)."""
    text = raw.strip()
    parts = _split(text)
    scheme = parts.scheme.split("+")[0] if parts is not None else ""
    if scheme not in {"sqlite", "postgresql"}:
        raise ValueError(
            f"expected sqlite:///path or postgresql://..., got {quoted(hide_password(text))}"
        )
    return text


def hide_password(url: str) -> str:
    """`url` with any password replaced by `***`, safe to print."""
    parts = _split(url)
    if parts is None or parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def parse_auth_string(raw: str) -> str:
    """`user:password` for HTTP basic auth; the error never repeats the value."""
    user, colon, password = raw.partition(":")
    if not colon or not user.strip() or not password:
        raise ValueError("expected user:password, with a ':' between a user name and a password")
    return raw


def hide_auth_string(value: str) -> str:
    """`user:********`: the user name, never the password."""
    return f"{value.partition(':')[0]}:********"


def parse_timezone(raw: str) -> str:
    """An IANA timezone name such as America/Argentina/Buenos_Aires or UTC."""
    import zoneinfo

    name = raw.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA timezone name such as America/Argentina/Buenos_Aires or UTC, "
            f"got {quoted(raw)}"
        ) from None
    return name


def machine_timezone() -> str:
    """The IANA name of this machine's timezone: never UTC when the machine has another.

    TZ when it holds a valid name, else the zone /etc/localtime links to or
    /etc/timezone names (Linux, macOS), read without any import. Otherwise (Windows,
    whose zone names tzlocal maps to IANA ones, or an unusual setup) tzlocal decides;
    when even that finds nothing, the current UTC offset as an `Etc/GMT+3`-style name.
    """
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and not tz.startswith("/"):
        try:
            return parse_timezone(tz)
        except ValueError:
            pass  # a POSIX rule such as CET-1CEST: read the system's zone instead
    if sys.platform != "win32":
        try:
            target = os.readlink("/etc/localtime")
        except OSError:
            target = ""
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
        try:
            name = Path("/etc/timezone").read_text().strip()
            if name:
                return name
        except OSError:
            pass
    import zoneinfo

    import tzlocal

    try:
        found: str | None = tzlocal.get_localzone_name()
    except (zoneinfo.ZoneInfoNotFoundError, LookupError, OSError, ValueError):
        found = None  # a conflicting or unreadable configuration
    return found or _offset_zone()


def _offset_zone() -> str:
    import time

    offset = -time.timezone if not time.localtime().tm_isdst else -time.altzone
    hours, rest = divmod(offset, 3600)
    if rest or not hours:
        return "UTC"
    # Etc/GMT names have the sign inverted: UTC-3 is Etc/GMT+3.
    return f"Etc/GMT{-hours:+d}"


def parse_log_file(raw: str) -> str:
    """A log file path that may hold {flow_name}, {script_dir} and {date}."""
    import string

    text = parse_text(raw)
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ValueError(f"expected a file path, got {quoted(raw)} ({exc})") from None
    unknown = [field for field in fields if field not in LOG_FILE_FIELDS]
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in LOG_FILE_FIELDS)
        raise ValueError(f"unknown placeholder {{{unknown[0]}}} in {quoted(raw)}; use {allowed}")
    return text


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it validates the port)
    except ValueError:
        return None
    return parts
