"""`cauce migrate [PATH]`: rewrite a Prefect project's imports to cauce's, and report the rest.

The work is in `cauce.migrate`; this module chooses what is printed where and the
exit status. libcst is imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.output import console, table

if TYPE_CHECKING:
    from cauce.migrate.project import FileResult


def migrate(
    path: Annotated[Path, typer.Argument(help="A project folder or one .py file.")] = Path("."),
    write: Annotated[bool, typer.Option("--write", help="Write the rewritten files.")] = False,
    diff_only: Annotated[
        bool, typer.Option("--diff", help="Print only the diff on stdout; the report on stderr.")
    ] = False,
    prefect_home: Annotated[
        Path | None,
        typer.Option(
            "--prefect-home", metavar="DIR", help="Read Prefect's profiles.toml from DIR."
        ),
    ] = None,
    from_server: Annotated[
        str | None,
        typer.Option(
            "--from-server",
            metavar="URL",
            help="Copy a Prefect server's pools, deployments and variables into cauce instead.",
        ),
    ] = None,
) -> None:
    """Rewrite a Prefect project for cauce; the --help text is HELP below."""
    if not path.exists():
        typer.secho(f"No such file or folder: {path}", err=True, fg="red")
        raise typer.Exit(2)
    if from_server is not None:
        _from_server(from_server, path, write)
    from cauce.migrate import project

    results = project.migrate(path, prefect_home)
    if diff_only or not write:
        _diffs(results, diff_only)
    if write:
        project.write(results)
    problems = _report_lines(results)
    for line in problems:
        typer.echo(line, err=diff_only)
    if write:
        _summary(results)
    elif not diff_only:
        changed = sum(result.is_changed for result in results)
        typer.echo(f"Nothing written: {changed} file(s) would change. Run with --write to write.")
    raise typer.Exit(1 if problems else 0)


# The command's --help; kept out of the function so its length stays readable.
HELP = """Rewrite a Prefect project for cauce: imports, prefect.yaml, profiles, logging.

    Comments and formatting are kept. `import prefect` becomes `import
    cauce` and `prefect.x` uses become `cauce.x`; `from prefect.runtime
    import flow_run` becomes `from cauce.runtime import flow_run`;
    prefect_dask's runner comes from cauce.task_runners. Skipped: .venv,
    venv, .git, __pycache__, site-packages. The deployments of
    PATH/prefect.yaml (schedules, work pool, parameters, tags, a git_clone
    pull step) are added to PATH/cauce.yaml; what cannot be converted is
    in the report.

    Prefect's profiles (DIR/profiles.toml with --prefect-home, else
    PATH/profiles.toml, else $PREFECT_HOME's or ~/.prefect's) are added to
    cauce's profiles.toml in CAUCE_HOME under the same names, each
    PREFECT_* setting as its CAUCE_* equivalent; the report lists every
    setting left behind and why. A cauce profile that already holds
    settings is never overwritten.

    A Prefect logging YAML (PATH/logging.yml, else the file
    PREFECT_LOGGING_SETTINGS_PATH names) becomes cauce-logging.yml beside
    it, with cauce's handlers, formatters and loggers in place of
    Prefect's and the user's own kept; set CAUCE_LOGGING_SETTINGS_PATH to
    it.

    Without --write nothing changes: the unified diff is printed, then
    the report: each Prefect name the code uses that cauce does not
    have, as file:line, with what to do instead. --diff prints only the
    diff on stdout (ready for `git apply` in PATH) and the report on
    stderr, with the diff of cauce's profiles.toml (not in PATH).
    --write writes the files and prints the report and a summary.

    --from-server URL does only this: it reads the work pools,
    deployments (with their schedules) and variables of the running
    Prefect server at URL through its REST API and creates them in cauce
    (the CAUCE_API_URL server, or the local store). A deployment's code
    is read from PATH, as `cauce deploy` does; a pool or variable cauce
    already has is kept. Without --write it only shows what it would
    create.

    Exit status: 0 when the report is empty, 1 when it lists something
    (an unsupported name, or a file that could not be parsed and was
    left as it was), 2 when PATH does not exist or the server cannot be
    read.
"""
migrate.__doc__ = HELP


def _from_server(url: str, root: Path, write: bool) -> None:
    """Create the Prefect server's objects in cauce (or show them); exits."""
    from cauce.client.factory import get_client
    from cauce.migrate.prefect_server import PrefectServerError, read
    from cauce.migrate.server_objects import create
    from cauce.settings import get_settings

    try:
        contents = read(url)
    except PrefectServerError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from None
    typer.echo(
        f"Prefect {contents.version} at {contents.url}: {len(contents.pools)} work pool(s), "
        f"{len(contents.deployments)} deployment(s), {len(contents.variables)} variable(s)."
    )
    outcome = create(contents, get_client(), root, get_settings().default_timezone, write)
    for line in outcome.lines:
        typer.echo(line)
    for note in outcome.notes:
        typer.echo(f"{contents.url}: {note.subject}: {note.advice}")
    if not write:
        typer.echo("Nothing written. Run with --write to create them.")
    raise typer.Exit(1 if outcome.notes else 0)


def _diffs(results: list[FileResult], diff_only: bool) -> None:
    """The diffs; with --diff, those of files outside PATH go to stderr (`git apply` is in PATH)."""
    from cauce.migrate import project

    typer.echo("".join(project.diff(r) for r in results if not r.is_outside), nl=False)
    outside = "".join(project.diff(r) for r in results if r.is_outside)
    typer.echo(outside, nl=False, err=diff_only)


def _report_lines(results: list[FileResult]) -> list[str]:
    lines: list[str] = []
    for result in results:
        lines += [result.error] if result.error is not None else []
        lines += [
            f"{item.path.as_posix()}:{item.line}: {item.prefect_name}: {item.advice}"
            for item in result.findings
        ]
    return lines


def _summary(results: list[FileResult]) -> None:
    columns = (
        "Files changed", "Imports rewritten", "Deployments converted", "Profiles converted",
        "Not converted",
    )  # fmt: skip
    summary = table(*columns, title="Migrated")
    summary.add_row(
        str(sum(result.is_changed for result in results)),
        str(sum(result.imports_rewritten for result in results)),
        str(sum(result.deployments_converted for result in results)),
        str(sum(result.profiles_converted for result in results)),
        str(sum(len(result.findings) for result in results)),
    )
    console.print(summary)
    for result in results:
        if result.profiles_converted and result.is_changed:
            typer.echo(f"cauce profiles written to {result.shown_as}: see `cauce profile ls`.")
        if result.is_logging_config and result.is_changed:
            typer.echo(
                f"To use {result.shown_as}: set CAUCE_LOGGING_SETTINGS_PATH={result.path.resolve()}"
            )
