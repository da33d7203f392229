"""`cauce block`: list and delete saved blocks, as `prefect block ls | delete` do.

A block is named `SLUG/NAME`: its block type's slug and the name it was saved under
(`secret/db-password`). Nothing here ever shows a block's values: they may be secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

app = typer.Typer(help="List and delete saved blocks.", no_args_is_help=True)


@app.command("ls")
def ls() -> None:
    """List saved blocks: type, name and when last saved (never their values)."""
    from rich.text import Text

    found = _client().read_block_documents()
    if not found:
        console.print("No blocks found.")
        return
    shown = table("Type", "Name", "Updated")
    for document in found:
        shown.add_row(Text(document.slug), Text(document.name), offset_time(document.updated))
    console.print(shown)


@app.command("delete")
def delete(
    slug_and_name: Annotated[
        str, typer.Argument(metavar="SLUG/NAME", help="The block, as `secret/db-password`.")
    ],
    yes: Yes = False,
) -> None:
    """Delete a saved block."""
    from rich.text import Text

    from cauce.client.base import NotFound

    slug, slash, name = slug_and_name.partition("/")
    if not (slug and slash and name):
        raise CliError(
            f"Block {slug_and_name!r} is not SLUG/NAME: give the block type's slug and the "
            "block's name, as `secret/db-password`."
        )
    try:
        _client().read_block_document(slug, name)
        confirm_deletion(f"block {slug_and_name!r}", yes)
        _client().delete_block_document(slug, name)
    except NotFound:
        raise CliError(f"Block {slug_and_name!r} not found.") from None
    console.print(Text(f"Deleted block {slug_and_name!r}."))


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
