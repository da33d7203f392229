"""The `cauce` command: the Typer app, its global --debug option, and how a failure ends.

Each noun is a module with its own sub-app (`flow.py`, `flow_run.py`); this
module names them (COMMANDS) and lazy_group.py imports the one asked for. A
failing command prints one line on stderr and exits 1; --debug (or
CAUCE_DEBUG=1) prints the traceback instead.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from cauce.cli.errors import describe
from cauce.cli.lazy_group import LazyCommand, lazy_group

# Each is imported when run or when a --help lists it, so `cauce version` does not load
# the server's or the deploy wizard's modules. Order is the root --help's.
COMMANDS = {
    "version": LazyCommand("cauce.cli.version", "version"),
    "deploy": LazyCommand("cauce.cli.deploy", "deploy"),
    "migrate": LazyCommand("cauce.cli.migrate", "migrate"),
    "artifact": LazyCommand("cauce.cli.artifact", "app"),
    "block": LazyCommand("cauce.cli.block", "app"),
    "config": LazyCommand("cauce.cli.config", "app"),
    "deployment": LazyCommand("cauce.cli.deployment", "app"),
    "event": LazyCommand("cauce.cli.event", "app"),
    "flow": LazyCommand("cauce.cli.flow", "app"),
    "flow-run": LazyCommand("cauce.cli.flow_run", "app"),
    "global-concurrency-limit": LazyCommand("cauce.cli.global_concurrency_limit", "app"),
    # Prefect's short name for it.
    "gcl": LazyCommand("cauce.cli.global_concurrency_limit", "app", hidden=True),
    "profile": LazyCommand("cauce.cli.profile", "app"),
    "server": LazyCommand("cauce.cli.server", "app"),
    "variable": LazyCommand("cauce.cli.variable", "app"),
    "watchdog": LazyCommand("cauce.cli.watchdog", "app"),
    "work-pool": LazyCommand("cauce.cli.work_pool", "app"),
    "worker": LazyCommand("cauce.cli.worker", "app"),
}

app = typer.Typer(
    name="cauce",
    help="cauce: run Python flows and tasks, and look at what they did.",
    cls=lazy_group(COMMANDS),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_debug = False


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="CAUCE_DEBUG", help="Show the traceback of an error."),
    ] = False,
) -> None:
    global _debug
    _debug = debug


def main() -> None:
    """Run `cauce` with the process's arguments and exit with its status."""
    try:
        app(prog_name="cauce")
    except Exception as exc:
        if _debug:
            traceback.print_exc()
        else:
            typer.secho(describe(exc), err=True, fg="red")
        sys.exit(1)


if __name__ == "__main__":
    main()
