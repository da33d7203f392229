"""How a failed command is reported: one line on stderr, naming what went wrong.

`CliError` is what commands raise for bad input; `describe()` turns it and the
errors of the layers below (client, settings, database) into that one line.
Anything else is a bug and gets its type plus a pointer to `--debug`.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


class CliError(Exception):
    """A command cannot do what was asked; the message is shown as is, on one line."""


def describe(exc: BaseException) -> str:
    """The one line shown for `exc` when --debug is off."""
    from cauce.client.base import ClientError
    from cauce.settings import SettingsError

    if isinstance(exc, CliError | ClientError | SettingsError):
        return _one_line(str(exc))
    if _is_database_error(exc):
        return f"Could not use the database at {_database_url()}: {_reason(exc)}"
    return f"{type(exc).__name__}: {_one_line(str(exc))} (run with --debug to see the traceback)"


def display_url(url: str) -> str:
    """`url` with any password replaced by ***, safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _is_database_error(exc: BaseException) -> bool:
    # SQLAlchemy is only in sys.modules if a command touched the database, so
    # looking it up there keeps errors before that from importing it.
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        return True
    # The SQLite recording path and schema check use the sqlite3 driver directly.
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and isinstance(exc, sqlite3.Error):
        return True
    # Creating SQLite's folder under CAUCE_HOME fails with an OSError naming a folder
    # on the database's path; other OSErrors (a closed pipe, say) are not the database's.
    filename = getattr(exc, "filename", None)
    return isinstance(exc, OSError) and filename is not None and str(filename) in _database_url()


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)  # the driver's own error, under SQLAlchemy's
    return _one_line(str(original if original is not None else exc))


def _database_url() -> str:
    from cauce.settings import SettingsError, get_settings

    try:
        return display_url(get_settings().api.database_url)
    except SettingsError:
        return "the configured database"


def _one_line(message: str) -> str:
    return " ".join(line.strip() for line in message.splitlines() if line.strip())
