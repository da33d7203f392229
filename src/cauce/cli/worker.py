"""`cauce worker`: start a worker on a work pool, and list the workers seen.

`worker start` creates the pool when it does not exist (as `prefect worker start`
does, so that a service with no terminal can start a new pool), unless
`--no-create-pool`; then it runs the worker (workers/worker.py) until SIGTERM or
Ctrl-C, printing one line per run it starts and ends. `worker install-service` and
`uninstall-service` make that command an OS service (cli/os_service.py).
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table

if TYPE_CHECKING:
    from rich.table import Table

    from cauce.client.base import CauceClient
    from cauce.schemas.workers import Worker
    from cauce.workers.service_install import ServiceSpec

app = typer.Typer(help="Start workers that run deployments' runs, and list them.")


@app.command("start")
def start(
    pool: Annotated[str, typer.Option("--pool", "-p", help="The work pool to take runs from.")],
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="The worker's name (default: this machine's name)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-l", min=1, help="At most this many runs at once.")
    ] = None,
    run_once: Annotated[
        bool,
        typer.Option("--run-once", help="Run the runs due now, wait for them, and exit."),
    ] = False,
    prefetch: Annotated[
        str,
        typer.Option("--prefetch", help="Claim runs this long before their time (10s, 1m)."),
    ] = "0s",
    stop_grace: Annotated[
        str,
        typer.Option(
            "--stop-grace", help="On SIGTERM, wait this long for runs before stopping them."
        ),
    ] = "30s",
    create_pool: Annotated[
        bool,
        typer.Option(
            "--create-pool/--no-create-pool", help="Create the pool if it does not exist."
        ),
    ] = True,
) -> None:
    """Run a deployment's runs as they come due in POOL, each in a process of its own."""
    from cauce.client.factory import get_batch_writer
    from cauce.settings import get_settings
    from cauce.workers.worker import Worker, WorkerOptions

    if not pool.strip():
        raise CliError("--pool needs a work pool's name")
    client = _client()
    _ensure_pool(client, pool, create_pool)
    options = WorkerOptions(
        pool_name=pool,
        name=name or f"{socket.gethostname()}-{pool}",
        limit=limit,
        run_once=run_once,
        prefetch_seconds=_seconds("--prefetch", prefetch),
        heartbeat_seconds=get_settings().worker.heartbeat.total_seconds(),
        stop_grace_seconds=_seconds("--stop-grace", stop_grace),
    )
    Worker(client, get_batch_writer(), options, _say).run()


@app.command("ls")
def ls(
    pool: Annotated[
        str | None, typer.Option("--pool", "-p", help="Only the workers of this pool.")
    ] = None,
) -> None:
    """List workers: their pool, last heartbeat, runs in progress, and health."""
    workers = _client().read_workers(pool)
    if not workers:
        console.print("No workers found.")
        return
    console.print(workers_table(workers))


def workers_table(workers: list[Worker], title: str | None = None) -> Table:
    """Workers with their health: healthy while heard from within 3 heartbeat periods."""
    from rich.text import Text

    from cauce.settings import get_settings
    from cauce.states import now_utc

    heartbeat = get_settings().worker.heartbeat.total_seconds()
    now = now_utc()
    shown = table("Name", "Pool", "Host", "PID", "Last heartbeat", "Runs", "Status", title=title)
    for worker in workers:
        if worker.stopped is not None:
            status = Text("stopped", style="grey50")
        elif worker.is_healthy(now, heartbeat):
            status = Text("healthy", style="green")
        else:
            status = Text("unhealthy", style="bold red")
        shown.add_row(
            Text(worker.name),
            Text(worker.pool_name),
            Text(worker.host),
            str(worker.pid),
            offset_time(worker.last_heartbeat),
            str(worker.runs_in_progress),
            status,
        )
    return shown


PrintOnly = Annotated[
    bool, typer.Option("--print", help="Only show what would be written and run; change nothing.")
]
UserService = Annotated[
    bool,
    typer.Option(
        "--user", help="A service of this user (~/.config/systemd/user), not of the system."
    ),
]
ServicePool = Annotated[
    str | None, typer.Option("--pool", "-p", help="The work pool the worker takes runs from.")
]
ServiceWorkerName = Annotated[
    str | None,
    typer.Option("--name", "-n", help="The worker's name (default: this machine's name-POOL)."),
]


@app.command("install-service")
def install_service(
    pool: ServicePool = None,
    name: ServiceWorkerName = None,
    print_only: PrintOnly = False,
    user: UserService = False,
) -> None:
    """Run `cauce worker start --pool POOL` as an OS service, at boot and after any exit.

    systemd on Linux, launchd on macOS, nssm on Windows; the service keeps this
    interpreter, this folder, CAUCE_HOME, the profile in use and the CAUCE_* settings
    set now, and runs as you (under sudo, as the user who ran sudo)."""
    from cauce.cli.os_service import install_service as install

    install(_worker_service(pool, name), print_only=print_only, user=user)


@app.command("uninstall-service")
def uninstall_service(
    pool: ServicePool = None,
    name: ServiceWorkerName = None,
    print_only: PrintOnly = False,
    user: UserService = False,
) -> None:
    """Stop, disable and remove the service `install-service` made for POOL (and NAME)."""
    from cauce.cli.os_service import uninstall_service as uninstall

    uninstall(_worker_service(pool, name), print_only=print_only, user=user)


def _worker_service(pool: str | None, name: str | None) -> ServiceSpec:
    import os
    import sys

    from cauce.cli.os_service import service_environment
    from cauce.workers.service_install import worker_spec

    # One line, as every other error, rather than Click's usage box.
    if pool is None or not pool.strip():
        raise CliError("--pool is required: the work pool the service's worker takes runs from")
    environment, home, run_as = service_environment()
    try:
        return worker_spec(
            pool,
            name,
            python=sys.executable,
            working_directory=os.getcwd(),
            environment=environment,
            home=home,
            run_as=run_as,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _ensure_pool(client: CauceClient, name: str, create: bool) -> None:
    from cauce.client.base import NotFound
    from cauce.schemas.deployments import WorkPool

    try:
        client.read_work_pool(name)
    except NotFound:
        if not create:
            raise CliError(
                f"work pool {name!r} does not exist (create it with "
                f"`cauce work-pool create {name}`, or leave out --no-create-pool)"
            ) from None
        client.create_work_pool(WorkPool(name))
        _say(f"Work pool {name!r} did not exist: created it (type process).")


def _seconds(option: str, raw: str) -> float:
    from cauce.settings.durations import parse_duration

    try:
        return parse_duration(raw).total_seconds()
    except ValueError as exc:
        raise CliError(f"{option}: {exc}") from None


def _say(line: str) -> None:
    from datetime import datetime

    from rich.text import Text

    stamp = datetime.now().astimezone().strftime("%H:%M:%S")
    console.print(Text(f"{stamp} | {line}"), soft_wrap=True)


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
