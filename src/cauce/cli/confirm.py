"""The question a command asks before it deletes something, on a terminal only.

The SPEC's rule, as Prefect's `deployment delete` keeps it: on a terminal the
user is asked, and `--yes` skips the question; with no terminal (a script, cron,
CI) nobody is there to answer, so the command acts. Every deleting command asks
through `confirm_deletion`, so the rule and its words are the same for all.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cauce.cli.errors import CliError

Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a terminal.")
]


def is_interactive() -> bool:
    """Whether someone can answer a question: standard input is a terminal."""
    return sys.stdin is not None and sys.stdin.isatty()


def confirm_deletion(what: str, yes: bool) -> None:
    """Ask "Delete WHAT?" on a terminal unless `yes`; with no terminal, go ahead.

    A "no" is a CliError saying WHAT is kept, so the command exits 1 having deleted nothing.
    """
    if yes or not is_interactive():
        return
    if not typer.confirm(f"Delete {what}?", default=False):
        raise CliError(f"Deletion aborted: {what} is kept.")
