"""The `cauce` command: the Typer app, its global --debug option, and how a failure ends.

Each noun is a module with its own sub-app (`flow.py`, `flow_run.py`); this
module mounts them. A failing command prints one line on stderr and exits 1;
--debug (or CAUCE_DEBUG=1) prints the traceback instead.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from cauce.cli import (
    artifact,
    config,
    deployment,
    flow,
    flow_run,
    global_concurrency_limit,
    profile,
    server,
    variable,
    watchdog,
    work_pool,
    worker,
)
from cauce.cli.deploy import deploy
from cauce.cli.errors import describe
from cauce.cli.migrate import migrate
from cauce.cli.version import version

app = typer.Typer(
    name="cauce",
    help="cauce: run Python flows and tasks, and look at what they did.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(artifact.app, name="artifact")
app.add_typer(config.app, name="config")
app.add_typer(deployment.app, name="deployment")
app.add_typer(flow.app, name="flow")
app.add_typer(flow_run.app, name="flow-run")
app.add_typer(global_concurrency_limit.app, name="global-concurrency-limit")
# Prefect's short name for it.
app.add_typer(global_concurrency_limit.app, name="gcl", hidden=True)
app.add_typer(profile.app, name="profile")
app.add_typer(server.app, name="server")
app.add_typer(variable.app, name="variable")
app.add_typer(watchdog.app, name="watchdog")
app.add_typer(work_pool.app, name="work-pool")
app.add_typer(worker.app, name="worker")
app.command("version")(version)
app.command("deploy")(deploy)
app.command("migrate")(migrate)

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
