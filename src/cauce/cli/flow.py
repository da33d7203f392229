"""`cauce flow`: the flows that have been recorded."""

from __future__ import annotations

import typer

from cauce.cli.output import console, local_time, table

app = typer.Typer(help="List the flows that have runs recorded.", no_args_is_help=True)


@app.command("ls")
def ls() -> None:
    """List every recorded flow, by name."""
    from rich.text import Text

    from cauce.client.factory import get_client

    flows = get_client().read_flows()
    if not flows:
        console.print("No flows recorded yet.")
        return
    shown = table("Name", "Created")
    for flow in flows:
        shown.add_row(Text(flow.name), local_time(flow.created))
    console.print(shown)
