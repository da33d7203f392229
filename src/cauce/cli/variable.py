"""`cauce variable`: set, get, list and unset variables, as `prefect variable` does.

A VALUE is read as JSON when it parses (`5`, `true`, `[1, 2]`, `{"a": 1}`, `"quoted"`)
and as a plain string otherwise. What a name or value may be is the core's
decision; its refusals arrive as one-line client errors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

app = typer.Typer(help="Set, get, list and unset variables.", no_args_is_help=True)

VariableName = Annotated[str, typer.Argument(metavar="NAME", help="The variable's name.")]


@app.command("set")
def set_(
    name: VariableName,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="JSON, or else a string.")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the value of a variable that exists.")
    ] = False,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag for the variable (repeatable).")
    ] = None,
) -> None:
    """Set a variable's value (and tags)."""
    from rich.text import Text

    from cauce.variables import Variable

    try:
        Variable.set(name, _parse(value), tags=list(tags or []), overwrite=overwrite)
    except ValueError:
        # Variable.set's words name its argument; a CLI user types the flag.
        raise CliError(f"Variable {name!r} already exists. Use --overwrite to update it.") from None
    console.print(Text(f"Set variable {name!r}."))


@app.command("get")
def get(name: VariableName) -> None:
    """Print a variable's value as JSON."""
    from rich.text import Text

    console.print(Text(json.dumps(_read(name).value)), soft_wrap=True)


@app.command("ls")
def ls(
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="Show at most this many.")
    ] = None,
) -> None:
    """List variables, by name."""
    from rich.text import Text

    from cauce.schemas.variables import VariableFilter

    found = _client().read_variables(VariableFilter(limit=limit))
    if not found:
        console.print("No variables found.")
        return
    shown = table("Name", "Value", "Tags", "Updated")
    for variable in found:
        shown.add_row(
            Text(variable.name),
            Text(_preview(variable.value)),
            Text(", ".join(variable.tags)),
            offset_time(variable.updated),
        )
    console.print(shown)


@app.command("unset")
def unset(name: VariableName, yes: Yes = False) -> None:
    """Delete a variable."""
    from rich.text import Text

    from cauce.client.base import NotFound

    variable = _read(name)
    confirm_deletion(f"variable {variable.name!r}", yes)
    try:
        _client().delete_variable(variable.name)
    except NotFound:
        raise CliError(f"Variable {name!r} not found.") from None
    console.print(Text(f"Unset variable {name!r}."))


def _parse(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _preview(value: Any, width: int = 50) -> str:
    shown = json.dumps(value)
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def _read(name: str) -> Any:
    from cauce.client.base import NotFound

    try:
        return _client().read_variable(name)
    except NotFound:
        raise CliError(f"Variable {name!r} not found.") from None


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
