"""`cauce event ls`: the events code emitted (cauce.events.emit_event), newest first.

cauce records events and lists them; it has no automations or triggers that act on them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cauce.cli.output import console, offset_time, table

app = typer.Typer(help="List the events flows emitted.", no_args_is_help=True)


@app.command("ls")
def ls(
    event: Annotated[
        str | None,
        typer.Option("--event", metavar="PREFIX", help="Only events whose name starts so."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Show at most this many.")] = 20,
) -> None:
    """List events, newest first: when each occurred, its name and its resource's id."""
    from rich.text import Text

    from cauce.client.factory import get_client
    from cauce.schemas.events import EventFilter

    found = get_client().read_events(EventFilter(prefix=event, limit=limit))
    if not found:
        console.print("No events found.")
        return
    shown = table("Occurred", "Event", "Resource")
    for emitted in found:
        shown.add_row(offset_time(emitted.occurred), Text(emitted.event), Text(emitted.resource_id))
    console.print(shown)
