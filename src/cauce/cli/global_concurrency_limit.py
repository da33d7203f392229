"""`cauce global-concurrency-limit` (or `gcl`): create, list, inspect, update and delete
global concurrency limits, as `prefect global-concurrency-limit` does.

What a name or number may be is the core's decision; its refusals arrive as one-line
client errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table

if TYPE_CHECKING:
    from cauce.client.base import CauceClient
    from cauce.schemas.concurrency_limits import StoredConcurrencyLimit

app = typer.Typer(
    help="Create, list, inspect, update and delete global concurrency limits (alias: gcl).",
    no_args_is_help=True,
)

LimitName = Annotated[str, typer.Argument(metavar="NAME", help="The limit's name.")]


@app.command("create")
def create(
    name: LimitName,
    limit: Annotated[int, typer.Option("--limit", "-l", min=0, help="How many slots.")],
    slot_decay_per_second: Annotated[
        float,
        typer.Option(
            "--slot-decay-per-second", min=0.0, help="Slots freed per second (a rate limit)."
        ),
    ] = 0.0,
    disable: Annotated[
        bool, typer.Option("--disable", help="Create it inactive (it holds nobody back).")
    ] = False,
) -> None:
    """Create a global concurrency limit."""
    from rich.text import Text

    from cauce.schemas.concurrency_limits import StoredConcurrencyLimit

    made = StoredConcurrencyLimit(
        name, limit, active=not disable, slot_decay_per_second=slot_decay_per_second
    )
    _client().create_concurrency_limit(made)
    console.print(Text(f"Created global concurrency limit {name!r} with {limit} slot(s)."))


@app.command("ls")
def ls() -> None:
    """List global concurrency limits, by name."""
    from rich.text import Text

    found = _client().read_concurrency_limits()
    if not found:
        console.print("No global concurrency limits found.")
        return
    shown = table("Name", "Limit", "Active slots", "Active", "Slot decay per second")
    for limit in found:
        shown.add_row(
            Text(limit.name),
            str(limit.limit),
            str(limit.active_slots),
            "yes" if limit.active else "no",
            f"{limit.slot_decay_per_second:g}",
        )
    console.print(shown)


@app.command("inspect")
def inspect(name: LimitName) -> None:
    """Show a global concurrency limit's fields."""
    from rich.text import Text

    limit = _read(name)
    fields: dict[str, Any] = {
        "id": limit.id,
        "name": limit.name,
        "limit": limit.limit,
        "active_slots": limit.active_slots,
        "active": limit.active,
        "slot_decay_per_second": limit.slot_decay_per_second,
        "created": offset_time(limit.created),
        "updated": offset_time(limit.updated),
    }
    for key, value in fields.items():
        console.print(Text(f"{key}: {value}"))


@app.command("update")
def update(
    name: LimitName,
    limit: Annotated[
        int | None, typer.Option("--limit", "-l", min=0, help="How many slots.")
    ] = None,
    slot_decay_per_second: Annotated[
        float | None,
        typer.Option("--slot-decay-per-second", min=0.0, help="Slots freed per second."),
    ] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Make it hold code back.")] = False,
    disable: Annotated[bool, typer.Option("--disable", help="Make it hold nobody back.")] = False,
) -> None:
    """Change a global concurrency limit."""
    from rich.text import Text

    if enable and disable:
        raise CliError("Choose one of --enable and --disable.")
    changes: dict[str, Any] = {"limit": limit, "slot_decay_per_second": slot_decay_per_second}
    changes = {key: value for key, value in changes.items() if value is not None}
    if enable or disable:
        changes["active"] = enable
    if not changes:
        raise CliError(
            "Nothing to update: give --limit, --slot-decay-per-second, --enable or --disable."
        )
    _read(name)
    _client().update_concurrency_limit(name, changes)
    console.print(Text(f"Updated global concurrency limit {name!r}."))


@app.command("delete")
def delete(name: LimitName, yes: Yes = False) -> None:
    """Delete a global concurrency limit."""
    from rich.text import Text

    from cauce.client.base import NotFound

    limit = _read(name)
    confirm_deletion(f"global concurrency limit {limit.name!r}", yes)
    try:
        _client().delete_concurrency_limit(limit.name)
    except NotFound:
        raise CliError(f"Global concurrency limit {name!r} not found.") from None
    console.print(Text(f"Deleted global concurrency limit {name!r}."))


def _read(name: str) -> StoredConcurrencyLimit:
    from cauce.client.base import NotFound

    try:
        return _client().read_concurrency_limit(name)
    except NotFound:
        raise CliError(f"Global concurrency limit {name!r} not found.") from None


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
