"""`cauce watchdog run`: one pass of the watchdog, from the CLI, and what it did.

Embedded, it uses this process's settings (CAUCE_WATCHDOG_LATE_AFTER and
CAUCE_WATCHDOG_RUNNING_AFTER); against a server, the server's.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cauce.cli.output import console, format_seconds, table

app = typer.Typer(help="Cancel runs stuck Late or Running, as the server does every 30m.")


@app.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be cancelled.")
    ] = False,
) -> None:
    """Cancel the runs Late or Running past their limits now, and list them."""
    from rich.text import Text

    from cauce.client.factory import get_client

    actions = get_client().run_watchdog(dry_run=dry_run)
    if not actions:
        console.print("No stuck flow runs.")
        return
    verb = "Would cancel" if dry_run else "Cancelled"
    shown = table("Flow run", "Flow", "Was", "Over its limit by", "Why", title=verb)
    for action in actions:
        shown.add_row(
            Text(f"{action.flow_run_name} ({action.flow_run_id})"),
            Text(action.flow_name),
            Text(action.state_name),
            format_seconds(action.overdue_seconds),
            Text(action.message),
        )
    console.print(shown)
    if dry_run:
        console.print("Nothing was changed (--dry-run).")
