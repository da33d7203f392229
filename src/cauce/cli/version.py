"""`cauce version`: what is installed and where runs are recorded."""

from __future__ import annotations

import platform

from cauce.cli.errors import display_url
from cauce.cli.output import console
from cauce.settings import get_settings
from cauce.version import __version__


def version() -> None:
    """Show cauce's and Python's versions, the database in use, and where runs go."""
    from rich.text import Text

    settings = get_settings()
    if settings.api.url:
        database = "the server's"
        destination = f"server at {settings.api.url}"
    else:
        database = display_url(settings.api.database_url)
        destination = "embedded store (this process writes the database; no server)"
    rows = [
        ("Version", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Database", database),
        ("Runs go to", destination),
    ]
    for label, value in rows:
        console.print(Text(f"{label + ':':<12}{value}"))
