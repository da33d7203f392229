"""`cauce artifact`: list, inspect and delete artifacts, as `prefect artifact` does.

`ls` shows the latest version of each key (or, with --flow-run, every artifact of that
run); `inspect KEY` every version of a key, newest first; `delete KEY` all of them.
Errors are one line.
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
    from cauce.schemas.artifacts import StoredArtifact

app = typer.Typer(help="List, inspect and delete artifacts.", no_args_is_help=True)

ArtifactKey = Annotated[str, typer.Argument(metavar="KEY", help="The artifact's key.")]


@app.command("ls")
def ls(
    flow_run: Annotated[
        str | None,
        typer.Option("--flow-run", metavar="ID", help="Every artifact of this flow run."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="Show at most this many.")
    ] = None,
) -> None:
    """List the latest version of each artifact key, newest first."""
    from cauce.cli.flow_run import parse_id
    from cauce.schemas.artifacts import ArtifactFilter

    if flow_run is None:
        found = _client().read_latest_artifacts(ArtifactFilter(limit=limit))
    else:
        where = ArtifactFilter(flow_run_ids=[parse_id(flow_run)], limit=limit)
        found = _client().read_artifacts(where)
    if not found:
        console.print("No artifacts found.")
        return
    _print(found, "Key")


@app.command("inspect")
def inspect(key: ArtifactKey) -> None:
    """Show every version of the artifact KEY, newest first."""
    _print(_versions(key), "Version")


@app.command("delete")
def delete(key: ArtifactKey, yes: Yes = False) -> None:
    """Delete the artifact KEY, every version of it."""
    from rich.text import Text

    from cauce.client.base import NotFound

    versions = _versions(key)
    count = f"{len(versions)} version{'s' if len(versions) != 1 else ''}"
    confirm_deletion(f"artifact {key!r} ({count})", yes)
    client = _client()
    for version in versions:
        try:
            client.delete_artifact(version.id)
        except NotFound:
            pass  # deleted meanwhile by someone else: gone all the same
    console.print(Text(f"Deleted artifact {key!r} ({count})."))


def _print(artifacts: list[StoredArtifact], first: str) -> None:
    from rich.text import Text

    shown = table(first, "Type", "Data", "Description", "Flow run", "Updated")
    for artifact in artifacts:
        name = (artifact.key or "-") if first == "Key" else str(artifact.id)
        shown.add_row(
            Text(name),
            Text(artifact.type),
            Text(_preview(artifact.data)),
            Text(artifact.description or ""),
            Text(str(artifact.flow_run_id or "-")),
            offset_time(artifact.updated),
        )
    console.print(shown)


def _preview(data: Any, width: int = 60) -> str:
    shown = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    shown = " ".join(shown.split())
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def _versions(key: str) -> list[StoredArtifact]:
    from cauce.schemas.artifacts import ArtifactFilter

    found = _client().read_artifacts(ArtifactFilter(keys=[key]))
    if not found:
        raise CliError(f"Artifact {key!r} not found.")
    return found


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
