"""`cauce work-pool`: create, list, inspect, pause, resume and delete work pools.

What a pool may be (its type, a limit that is not negative) and when it may go
(no deployment uses it) is the core's decision; its refusals arrive as one-line
client errors. This module only turns arguments into calls and results into text.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table

if TYPE_CHECKING:
    from rich.table import Table

    from cauce.client.base import CauceClient
    from cauce.schemas.deployments import Deployment, WorkPool

app = typer.Typer(
    help="Create, list, inspect, pause, resume and delete work pools.", no_args_is_help=True
)

PoolName = Annotated[str, typer.Argument(metavar="NAME", help="The work pool's name.")]


@app.command("create")
def create(
    name: PoolName,
    pool_type: Annotated[
        str, typer.Option("--type", "-t", help="How its workers run flows.")
    ] = "process",
    concurrency_limit: Annotated[
        int | None,
        typer.Option("--concurrency-limit", min=0, help="At most this many runs at once."),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What the pool is for.")
    ] = None,
) -> None:
    """Create a work pool, where deployments' runs wait for a worker."""
    from rich.text import Text

    from cauce.schemas.deployments import WorkPool

    if not name.strip():
        raise CliError("a work pool needs a name")
    pool = WorkPool(
        name=name, type=pool_type, concurrency_limit=concurrency_limit, description=description
    )
    created = _client().create_work_pool(pool)
    console.print(Text(f"Created work pool {created.name!r} (type {created.type})."))
    console.print(Text(f"Deploy a flow to it with: cauce deploy --pool {created.name}"))


@app.command("ls")
def ls() -> None:
    """List work pools, by name, with how many deployments each has."""
    from rich.text import Text

    client = _client()
    pools = client.read_work_pools()
    if not pools:
        console.print("No work pools found.")
        return
    counts = Counter(d.work_pool_name for d in client.read_deployments())
    shown = table("Name", "Type", "Paused", "Concurrency limit", "Deployments")
    for pool in pools:
        shown.add_row(
            Text(pool.name),
            Text(pool.type),
            yes_no(pool.is_paused),
            _limit(pool),
            str(counts[pool.name]),
        )
    console.print(shown)


@app.command("inspect")
def inspect(name: PoolName) -> None:
    """Show a work pool's settings, the deployments whose runs wait in it, and its workers."""
    from rich.text import Text

    from cauce.cli.worker import workers_table

    client = _client()
    pool = client.read_work_pool(name)
    deployments = [d for d in client.read_deployments() if d.work_pool_name == pool.name]
    console.print(Text(f"Work pool {pool.name!r}", style="bold"))
    console.print(_details(pool))
    console.print()
    console.print(_deployments_table(deployments) if deployments else "Deployments: none")
    console.print()
    workers = client.read_workers(pool.name)
    console.print(workers_table(workers, title="Workers") if workers else "Workers: none")


@app.command("pause")
def pause(name: PoolName) -> None:
    """Pause a work pool: its workers take no new runs and the scheduler makes none for it."""
    _set_paused(name, True)


@app.command("resume")
def resume(name: PoolName) -> None:
    """Resume a paused work pool."""
    _set_paused(name, False)


@app.command("delete")
def delete(name: PoolName, yes: Yes = False) -> None:
    """Delete a work pool that no deployment uses."""
    from rich.text import Text

    client = _client()
    pool = client.read_work_pool(name)
    confirm_deletion(f"work pool {pool.name!r}", yes)
    client.delete_work_pool(pool.name)
    console.print(Text(f"Deleted work pool {pool.name!r}."))


def yes_no(flag: bool) -> str:
    """How tables show a flag."""
    return "yes" if flag else "no"


def _set_paused(name: str, is_paused: bool) -> None:
    from rich.text import Text

    client = _client()
    pool = client.read_work_pool(name)
    if pool.is_paused == is_paused:
        now = "paused" if is_paused else "active"
        console.print(Text(f"Work pool {pool.name!r} is already {now}."))
        return
    client.update_work_pool(pool.name, is_paused=is_paused)
    console.print(Text(f"{'Paused' if is_paused else 'Resumed'} work pool {pool.name!r}."))


def _limit(pool: WorkPool) -> str:
    return "none" if pool.concurrency_limit is None else str(pool.concurrency_limit)


def _details(pool: WorkPool) -> Table:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("ID", str(pool.id)),
        ("Name", Text(pool.name)),
        ("Type", Text(pool.type)),
        ("Description", Text(pool.description or "-")),
        ("Paused", yes_no(pool.is_paused)),
        ("Concurrency limit", _limit(pool)),
        ("Created", offset_time(pool.created)),
        ("Updated", offset_time(pool.updated)),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _deployments_table(deployments: list[Deployment]) -> Table:
    from rich.text import Text

    shown = table("Deployment", "Entrypoint", "Paused", "Schedules", title="Deployments")
    for deployment in deployments:
        active = sum(s.is_active for s in deployment.schedules)
        shown.add_row(
            Text(deployment.full_name),
            Text(deployment.entrypoint),
            yes_no(deployment.is_paused),
            f"{active} active of {len(deployment.schedules)}",
        )
    return shown


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
