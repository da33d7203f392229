"""The table of every setting: its variable, parser, default and description.

The settings model (settings.py), `cauce config view --show-defaults` and the
docs are all read from `DEFINITIONS`; a test checks that the model has exactly
these fields. A setting's `path` is where it sits in the model
(`settings.watchdog.running_after`) and its variable is that path in capitals
after `CAUCE_` (`CAUCE_WATCHDOG_RUNNING_AFTER`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from cauce.settings import parsers
from cauce.settings.durations import format_duration, parse_duration

NOT_SETTINGS = (
    "CAUCE_PROFILE",
    "CAUCE_DEBUG",
    "CAUCE_WORKER_PID",
    # Where `install-service` writes the unit and what it runs instead of systemctl.
    "CAUCE_SERVICE_UNIT_DIR",
    "CAUCE_SERVICE_MANAGER",
)
"""CAUCE_* variables that are read but are not settings (CAUCE_TEST_* are not either)."""


class SettingsError(ValueError):
    """A setting has a bad value or an unknown name, or profiles.toml is broken.

    The message is one line that names the setting (or the file) and the problem.
    """


class Definition(NamedTuple):
    """One setting: where it is in the model, how its text is read and shown, and its default."""

    path: str
    parse: Callable[[str], Any]
    description: str
    default: str | None = None
    """The default as a user would type it; None means unset (the value is None)."""
    computed_default: Callable[[Mapping[str, Any]], Any] | None = None
    """A default value that depends on the machine or on settings earlier in the table."""
    show: Callable[[Any], str] = str
    """The value as a user would type it; the inverse of `parse`."""
    env_only: bool = False
    """Only read from the environment, never from a profile (CAUCE_HOME locates the profiles)."""
    secret: Callable[[str], str] | None = None
    """How to show the value without its secret part, for settings that hold one."""

    @property
    def env_name(self) -> str:
        """The environment variable and profile key: `CAUCE_` + the path in capitals."""
        return "CAUCE_" + self.path.replace(".", "_").upper()

    def default_value(self, earlier: Mapping[str, Any]) -> Any:
        """The default; `earlier` holds the values of the settings before this one, by path."""
        if self.computed_default is not None:
            return self.computed_default(earlier)
        return None if self.default is None else self.parse(self.default)


def _database_in_home(earlier: Mapping[str, Any]) -> str:
    home: Path = earlier["home"]
    return f"sqlite:///{home / 'cauce.db'}"


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "home",
        parsers.parse_path,
        "Where profiles, the local database and default log files live.",
        "~/.cauce",
        env_only=True,
    ),
    Definition(
        "api.url",
        parsers.parse_http_url,
        "Server to record runs on; unset = embedded local database.",
    ),
    Definition(
        "api.auth_string",
        parsers.parse_auth_string,
        "`user:password` HTTP basic auth, checked by the server and sent by clients.",
        secret=parsers.hide_auth_string,
    ),
    Definition(
        "api.database_url",
        parsers.parse_database_url,
        "Database: `sqlite:///path` or `postgresql://...`; default SQLite under CAUCE_HOME.",
        computed_default=_database_in_home,
        secret=parsers.hide_password,
    ),
    Definition(
        "api.retry_timeout",
        parse_duration,
        "How long a client keeps retrying an unreachable server before it gives up.",
        "30s",
        show=format_duration,
    ),
    Definition(
        "server.host", parsers.parse_text, "Where `cauce server start` listens.", "127.0.0.1"
    ),
    Definition("server.port", parsers.parse_port, "Port `cauce server start` listens on.", "4200"),
    Definition(
        "server.scheduler_interval",
        parsers.parse_period,
        "How often the server's scheduler makes upcoming runs and marks late ones.",
        "10s",
        show=format_duration,
    ),
    Definition(
        "server.database_pool_size",
        parsers.parse_positive_count,
        "PostgreSQL connections the server keeps open (up to twice as many more in bursts).",
        "5",
    ),
    Definition(
        "server.retention",
        parsers.parse_period,
        "Delete flow runs that ended longer ago than this, hourly; unset = keep every run.",
        show=format_duration,
    ),
    Definition(
        "default_timezone",
        parsers.parse_timezone,
        "IANA timezone offered for schedules and used to show times; default the machine's.",
        computed_default=lambda _: parsers.machine_timezone(),
    ),
    Definition("logging.level", parsers.parse_level, "Level of cauce's and run loggers.", "INFO"),
    Definition(
        "logging.extra_loggers",
        parsers.parse_names,
        "Comma list of stdlib logger names whose records also go to the run's logs.",
        "",
        show=parsers.show_names,
    ),
    Definition(
        "logging.settings_path",
        parsers.parse_path,
        "A logging YAML (dictConfig) replacing the default one.",
    ),
    Definition(
        "logging.file",
        parsers.parse_log_file,
        "Rotating log file receiving every record of the run; "
        "may hold {flow_name}, {script_dir} and {date}.",
    ),
    Definition(
        "logging.file_max_bytes",
        parsers.parse_bytes,
        "Size at which CAUCE_LOGGING_FILE is rotated: bytes, or with KB, MB, GB.",
        "10MB",
        show=parsers.show_bytes,
    ),
    Definition(
        "logging.file_backup_count",
        parsers.parse_count,
        "How many rotated log files are kept.",
        "5",
    ),
    Definition(
        "late_after",
        parse_duration,
        "A Scheduled run this far past its time becomes Late.",
        "15s",
        show=format_duration,
    ),
    Definition(
        "watchdog.enabled",
        parsers.parse_bool,
        "The server cancels stuck runs.",
        "true",
        show=lambda value: "true" if value else "false",
    ),
    Definition(
        "watchdog.interval",
        parsers.parse_period,
        "How often the watchdog looks for stuck runs.",
        "30m",
        show=format_duration,
    ),
    Definition(
        "watchdog.late_after",
        parse_duration,
        "Cancel Late runs this far past their scheduled time.",
        "4h",
        show=format_duration,
    ),
    Definition(
        "watchdog.running_after",
        parse_duration,
        "Cancel runs Running longer than this.",
        "2h",
        show=format_duration,
    ),
    Definition(
        "worker.heartbeat",
        parsers.parse_period,
        "Worker heartbeat period; a worker silent for 3 periods is gone and its runs Crashed.",
        "30s",
        show=format_duration,
    ),
)

BY_ENV_NAME: dict[str, Definition] = {d.env_name: d for d in DEFINITIONS}
"""Each definition by its variable name."""


def is_setting_name(name: str) -> bool:
    """Whether `name` is a CAUCE_* variable that ought to be a setting (not CAUCE_PROFILE, ...)."""
    return (
        name.startswith("CAUCE_")
        and name not in NOT_SETTINGS
        and not name.startswith("CAUCE_TEST_")
    )


def unknown_name_message(name: str, where: str = "") -> str:
    """`unknown setting NAME` + `where`, with the closest valid name when one is close."""
    import difflib

    close = difflib.get_close_matches(name.upper(), BY_ENV_NAME, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown setting {name}{where}{hint}"


def env_only_message(name: str) -> str:
    """Why a setting such as CAUCE_HOME cannot be in a profile."""
    return f"{name} cannot be set in a profile, only in the environment (it locates the profiles)"


def lookup(name: str) -> Definition:
    """The definition of the setting named `name`; SettingsError naming it if there is none."""
    definition = BY_ENV_NAME.get(name)
    if definition is None:
        raise SettingsError(unknown_name_message(name))
    return definition
