"""`cauce server`: start the API server, and upgrade or reset its database.

FastAPI, uvicorn and SQLAlchemy are imported inside the commands, so that
`cauce --help` and every other command do not pay for them.
"""

from __future__ import annotations

import gc
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.errors import CliError, display_url

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

    from cauce.orchestration.retention import Pruned
    from cauce.workers.service_install import ServiceSpec

app = typer.Typer(help="Start the cauce server and manage its database.", no_args_is_help=True)
database_app = typer.Typer(help="Upgrade or reset the server's database.", no_args_is_help=True)
app.add_typer(database_app, name="database")


@app.command("start")
def start(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: CAUCE_SERVER_HOST].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on [default: CAUCE_SERVER_PORT]."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes answering on the port (PostgreSQL only): requests use "
            "as many cores; the services still run in one.",
        ),
    ] = 1,
) -> None:
    """Serve the API at /api, its docs at /docs and the UI at /, until stopped."""
    with _built_without_collecting():
        import uvicorn

        from cauce.server.app import create_app
        from cauce.server.database import ServerDatabase
        from cauce.server.serving import FrozenAfterStartup, serve_in_processes
        from cauce.settings import get_settings

        settings = get_settings()
        host = host or settings.server.host
        port = settings.server.port if port is None else port
        # Open (and migrate) the database first: a bad URL is then one line, not a traceback.
        database = ServerDatabase(settings.api.database_url)
        if workers > 1 and database.is_sqlite:
            database.close()
            raise CliError(
                "--workers above 1 needs PostgreSQL (CAUCE_API_DATABASE_URL): SQLite takes "
                "one writer at a time, so more server processes would only wait on each other"
            )
        listening = _listening_socket(host, port)
        _say_where(f"http://{host}:{port}", settings.api.database_url, workers)
        if workers == 1:
            server = FrozenAfterStartup(
                uvicorn.Config(create_app(settings, database), host=host, port=port)
            )
    if workers > 1:
        database.close()  # each process opens its own
        serve_in_processes(listening, host, port, workers)
        return
    with _stop_quietly_on_signals():
        server.run(sockets=[listening])


@contextmanager
def _built_without_collecting() -> Iterator[None]:
    """Import and build the server with the cyclic collector off, then freeze (`gc.freeze`)
    all that was built, as serving.py does once the server listens.

    Building makes ~100,000 objects that live as long as the server (modules, the app,
    its routes); the collector's passes while they are made walked them again and again
    (one full pass took 30-60 ms), and serving.py's last pass before it freezes walked
    them all once more, before the first request is answered. Frozen here, that pass
    finds nothing left to walk. The few cycles building leaves as garbage (about 700
    objects, 0.4 MB) are frozen with the rest, never freed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _say_where(base: str, database_url: str, processes: int) -> None:
    """The banner: where the API, its docs and the UI answer, and on which database."""
    how_many = f", {processes} processes" if processes > 1 else ""
    typer.echo(f"cauce server on {base} (database {display_url(database_url)}{how_many})")
    typer.echo(f"  API:      {base}/api")
    typer.echo(f"  API docs: {base}/docs")
    typer.echo(f"  UI:       {base}/")


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or one line saying why it cannot be (uvicorn would
    log an error and exit 3 after the banner)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listening = socket.socket(family, kind, proto)
        if sys.platform != "win32":  # on Windows the option lets another process take the port
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError as exc:
        raise CliError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listening


@contextmanager
def _stop_quietly_on_signals() -> Iterator[None]:
    # uvicorn drains on SIGINT/SIGTERM, then raises the signal again for the handler
    # that was there before it started. Ignoring it there makes a stop requested by a
    # signal end the command normally, with exit status 0.
    stopping = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda _sig, _frame: None) for sig in stopping}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command("install-service")
def install_service(
    print_only: Annotated[
        bool,
        typer.Option("--print", help="Only show what would be written and run; change nothing."),
    ] = False,
    user: Annotated[
        bool, typer.Option("--user", help="A service of this user, not of the system.")
    ] = False,
) -> None:
    """Run `cauce server start` as an OS service, at boot and after any exit (systemd,
    launchd or nssm), with this interpreter, folder, profile and CAUCE_* settings."""
    from cauce.cli.os_service import install_service as install

    install(_server_service(), print_only=print_only, user=user)


@app.command("uninstall-service")
def uninstall_service(
    print_only: Annotated[
        bool,
        typer.Option("--print", help="Only show what would be removed and run; change nothing."),
    ] = False,
    user: Annotated[
        bool, typer.Option("--user", help="The service of this user, not of the system.")
    ] = False,
) -> None:
    """Stop, disable and remove the service `server install-service` made."""
    from cauce.cli.os_service import uninstall_service as uninstall

    uninstall(_server_service(), print_only=print_only, user=user)


def _server_service() -> ServiceSpec:
    import os

    from cauce.cli.os_service import service_environment
    from cauce.workers.service_install import server_spec

    environment, home, run_as = service_environment()
    return server_spec(
        python=sys.executable,
        working_directory=os.getcwd(),
        environment=environment,
        home=home,
        run_as=run_as,
    )


@database_app.command("upgrade")
def upgrade() -> None:
    """Migrate the server's database to the current schema (nothing to do if it is)."""
    from cauce.database.migrations import HEAD_REVISION
    from cauce.settings import get_settings

    url = get_settings().api.database_url
    _open_database(url).dispose()
    typer.echo(f"Database {display_url(url)} is at revision {HEAD_REVISION} (current).")


@database_app.command("reset")
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop every table of the server's database, with all its runs, and recreate them."""
    from cauce.settings import get_settings

    url = get_settings().api.database_url
    if not yes:
        typer.confirm(f"Delete every flow, run, state and log in {display_url(url)}?", abort=True)
    from cauce.database.connections import create_engine, reset_schema
    from cauce.database.migrations import HEAD_REVISION

    engine = create_engine(url)
    try:
        reset_schema(engine)
    finally:
        engine.dispose()
    typer.echo(f"Database {display_url(url)} reset to an empty schema at revision {HEAD_REVISION}.")


def _open_database(url: str) -> Engine:
    from cauce.database.connections import create_engine, ensure_schema

    engine = create_engine(url)
    ensure_schema(engine)
    return engine


@database_app.command("prune")
def prune(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than", help="Delete runs that ended longer ago than this (90d, 12h, ...)."
        ),
    ],
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            help="Only runs in this final state type (repeatable) [default: "
            "COMPLETED, FAILED, CRASHED, CANCELLED].",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; change nothing.")
    ] = False,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Top-level runs deleted per transaction.")
    ] = 500,
) -> None:
    """Delete flow runs that ended before a cutoff, with their states, task runs, logs,
    artifacts and subflow runs; runs that have not ended stay, whatever their age."""
    from cauce.orchestration.errors import OrchestrationError
    from cauce.orchestration.retention import parse_state_types
    from cauce.settings import get_settings
    from cauce.settings.parsers import parse_period
    from cauce.states import now_utc

    try:
        age = parse_period(older_than)
    except ValueError as exc:
        raise CliError(f"--older-than: {exc}") from None
    try:
        state_types = parse_state_types(state or [])
    except OrchestrationError as exc:
        raise CliError(f"--state: {exc}") from None
    engine = _open_database(get_settings().api.database_url)
    cutoff = now_utc() - age
    try:
        pruned = _prune(engine, cutoff, state_types, dry_run, chunk_size)
    finally:
        engine.dispose()
    _print_pruned(pruned, cutoff, dry_run)


def _prune(
    engine: Engine, cutoff: datetime, state_types: frozenset[str], dry_run: bool, chunk: int
) -> Pruned:
    from functools import partial

    from cauce.database.connections import read_only
    from cauce.orchestration.retention import Chunk, Cursor, prune, prune_chunk

    step = partial(
        prune_chunk, cutoff=cutoff, state_types=state_types, dry_run=dry_run, chunk_runs=chunk
    )

    def run_chunk(after: Cursor | None) -> Chunk:
        # A dry run only reads: on SQLite it then never takes the write lock.
        with read_only(engine) if dry_run else engine.begin() as connection:
            return step(connection, after=after)

    return prune(run_chunk)


def _print_pruned(pruned: Pruned, cutoff: datetime, dry_run: bool) -> None:
    """One line per state type, then the total and what went with the runs."""
    before = f"ended before {cutoff:%Y-%m-%d %H:%M} UTC"
    if not pruned.runs:
        typer.echo(f"No flow run {before}: nothing to delete.")
        return
    typer.echo(f"{'Would delete' if dry_run else 'Deleted'} the flow runs that {before}:")
    for state_type, count in sorted(pruned.runs_by_state.items()):
        typer.echo(f"  {state_type:<10} {count:>9,}")
    typer.echo(
        f"  {'total':<10} {pruned.runs:>9,} flow run(s), with {pruned.task_runs:,} task "
        "run(s) and their states, logs and artifacts"
    )
    if dry_run:
        typer.echo("Nothing was deleted (--dry-run).")
