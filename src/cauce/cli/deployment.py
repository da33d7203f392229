"""`cauce deployment`: list, inspect, run, pause and delete deployments, and their schedules.

Every time shown carries its UTC offset. A schedule's run times are shown in the
schedule's own zone, the one its cron or interval is read in; other times in
CAUCE_DEFAULT_TIMEZONE, which is also the zone of a `--start-at` written without
an offset and the default zone of a new schedule (never silently UTC).

The schedule math and its one-line errors are the core's (`orchestration.schedules`,
through `as_schedule`), so the times `inspect` promises are the times the scheduler
makes. Parameters are checked against the flow by the core when the run is created,
so a refused one leaves no run behind.

The schedule verbs, and how schedules are shown, are deployment_schedule.py's.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.deployment_schedule import (
    DeploymentName,
    cli_client,
    describe_schedule,
    next_times,
    parse_time,
    read_named,
    schedule_app,
    schedules_table,
)
from cauce.cli.errors import CliError
from cauce.cli.flow_run import scheduled_time
from cauce.cli.output import console, format_seconds, offset_time, pretty_json, state_text, table
from cauce.cli.work_pool import yes_no
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.states import now_utc

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from cauce.client.base import CauceClient
    from cauce.schemas.deployments import Deployment
    from cauce.schemas.flow_runs import FlowRun

app = typer.Typer(
    help="List, inspect, run, pause and delete deployments, and their schedules.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")

UPCOMING_RUNS_SHOWN = 10
_UPCOMING_READ = 200


ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        metavar="KEY=VALUE",
        help="A parameter of this run. VALUE is read as JSON when it is JSON "
        "(3, true, [1, 2], null), else as text. Repeat for several.",
    ),
]
ParamsOption = Annotated[
    str | None,
    typer.Option(
        "--params",
        metavar="JSON",
        help="""Parameters as a JSON object, e.g. '{"n": 3}'; each --param wins over it.""",
    ),
]
StartInOption = Annotated[
    str | None,
    typer.Option("--start-in", metavar="DURATION", help="Start this long from now: 90, 10m, 2h."),
]
StartAtOption = Annotated[
    str | None,
    typer.Option(
        "--start-at",
        metavar="TIME",
        help="Start at this ISO date and time (2026-03-01T14:30); without an offset it "
        "is in CAUCE_DEFAULT_TIMEZONE.",
    ),
]
WatchOption = Annotated[
    bool,
    typer.Option(
        "--watch",
        "-w",
        help="Follow the run's logs until it ends; exit 1 unless it ends Completed.",
    ),
]


@app.command("ls")
def ls() -> None:
    """List deployments by flow and name, with their pool, schedules and next run."""
    from rich.text import Text

    deployments = cli_client().read_deployments()
    if not deployments:
        console.print("No deployments found.")
        return
    now = now_utc()
    shown = table("Deployment", "Work pool", "Schedules", "Paused", "Next run")
    for deployment in deployments:
        shown.add_row(
            Text(deployment.full_name),
            Text(deployment.work_pool_name),
            _schedules_text(deployment),
            yes_no(deployment.is_paused),
            _next_run(deployment, now),
        )
    console.print(shown)


@app.command("inspect")
def inspect(name: DeploymentName) -> None:
    """Show a deployment: its code, parameters, each schedule with its next run times,
    and its upcoming runs."""
    from rich.text import Text

    client = cli_client()
    deployment = read_named(client, name)
    console.print(Text(f"Deployment {deployment.full_name!r}", style="bold"))
    console.print(_details(deployment))
    console.print()
    if deployment.schedules:
        console.print(schedules_table(deployment.schedules, now_utc()))
    else:
        console.print("Schedules: none")
    console.print()
    upcoming = _upcoming_runs(client, deployment)
    if not upcoming:
        console.print("Upcoming runs: none")
        return
    title = "Upcoming runs"
    if len(upcoming) > UPCOMING_RUNS_SHOWN:
        total = f"{len(upcoming)}+" if len(upcoming) == _UPCOMING_READ else str(len(upcoming))
        title = f"Upcoming runs (the first {UPCOMING_RUNS_SHOWN} of {total})"
    zone = _schedules_zone(deployment)
    console.print(_upcoming_table(upcoming[:UPCOMING_RUNS_SHOWN], zone, title))


def _schedules_zone(deployment: Deployment) -> str | None:
    """The zone every schedule of `deployment` shares, or None (CAUCE_DEFAULT_TIMEZONE)."""
    zones = {schedule.timezone for schedule in deployment.schedules}
    return zones.pop() if len(zones) == 1 else None


def _upcoming_table(runs: list[FlowRun], zone: str | None, title: str) -> Table:
    """Runs waiting to start, each due time in `zone`, so it reads beside the schedules.

    Not `flow-run ls`'s table: the flow is the deployment's, and a run that has not
    started has no start time or duration to show.
    """
    from rich.text import Text

    shown = table("ID", "Name", "State", "Scheduled", title=title)
    for run in runs:
        due = offset_time(scheduled_time(run), zone)
        shown.add_row(str(run.id), Text(run.name), state_text(run.state), due)
    return shown


@app.command("run")
def run(
    name: DeploymentName,
    param: ParamOption = None,
    params: ParamsOption = None,
    start_in: StartInOption = None,
    start_at: StartAtOption = None,
    watch: WatchOption = False,
) -> None:
    """Create a run of a deployment, now or later, for a worker of its pool to pick up."""
    now = now_utc()
    when = _start_time(start_in, start_at, now)
    client = cli_client()
    deployment = read_named(client, name)
    parameters = parse_parameters(param or [], params, deployment.parameter_schema)
    flow_run = client.create_flow_run_from_deployment(deployment.id, parameters, when)
    _print_created(flow_run, deployment, now)
    _warn_if_no_worker(client, deployment.work_pool_name)
    if watch:
        _watch(client, flow_run)


def _warn_if_no_worker(client: CauceClient, pool_name: str) -> None:
    """Say on stderr when no healthy worker serves the pool: nothing would run the run."""
    from cauce.settings import get_settings

    heartbeat = get_settings().worker.heartbeat.total_seconds()
    workers = client.read_workers(pool_name)
    if any(w.is_healthy(now_utc(), heartbeat) for w in workers):
        return
    if workers:
        said = f"No worker of work pool {pool_name!r} has been heard from lately"
    else:
        said = f"No worker has ever polled work pool {pool_name!r}"
    typer.secho(
        f"{said}: the run waits until one starts (cauce worker start --pool {pool_name}).",
        err=True,
        fg="yellow",
    )


@app.command("pause")
def pause(name: DeploymentName) -> None:
    """Pause a deployment: its schedules make no runs, and the ones waiting are removed."""
    _set_paused(name, True)


@app.command("resume")
def resume(name: DeploymentName) -> None:
    """Resume a paused deployment; its schedules make runs again at once."""
    _set_paused(name, False)


@app.command("delete")
def delete(name: DeploymentName, yes: Yes = False) -> None:
    """Delete a deployment with its schedules and its scheduled runs not yet due; its
    other runs (Late, started, ended) are kept, no longer linked to it."""
    from rich.text import Text

    client = cli_client()
    deployment = read_named(client, name)
    confirm_deletion(f"deployment {deployment.full_name!r}", yes)
    removed = client.delete_deployment(deployment.id)
    runs = "1 scheduled run" if removed == 1 else f"{removed} scheduled runs"
    console.print(
        Text(
            f"Deleted deployment {deployment.full_name!r}: removed {runs}; its past runs are kept."
        )
    )


def parse_parameters(
    pairs: list[str], params: str | None, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The --params JSON object with each --param KEY=VALUE over it.

    VALUE is JSON when it parses (`n=3` is 3, `flag=true` is True) and text otherwise
    (`name=hola`), and always the text for a parameter whose `schema` says it is a
    string (`mensaje=42` is "42"); NaN and Infinity stay text, since no JSON body can
    carry them.
    """
    from cauce.deployments.prompts import is_text_parameter

    properties = (schema or {}).get("properties", {})
    merged: dict[str, Any] = {}
    if params is not None:
        try:
            loaded = json.loads(params, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise CliError(f"--params is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise CliError(
                f"""--params must be a JSON object such as '{{"n": 3}}', got {params!r}"""
            )
        merged.update(loaded)
    for pair in pairs:
        key, equals, raw = pair.partition("=")
        if not equals or not key.strip():
            raise CliError(f"--param {pair!r}: expected KEY=VALUE, such as n=3 or name=hola")
        try:
            value = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError:
            value = raw
        is_text = is_text_parameter(properties.get(key.strip()))
        merged[key.strip()] = raw if is_text and not isinstance(value, str) else value
    return merged


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _start_time(start_in: str | None, start_at: str | None, now: datetime) -> datetime | None:
    from cauce.settings import get_settings
    from cauce.settings.durations import parse_duration

    if start_in is not None and start_at is not None:
        raise CliError("give --start-in or --start-at, not both")
    if start_in is not None:
        try:
            return now + parse_duration(start_in)
        except ValueError as exc:
            raise CliError(f"--start-in: {exc}") from None
    if start_at is not None:
        return parse_time(start_at, get_settings().default_timezone, "--start-at")
    return None


def _print_created(flow_run: FlowRun, deployment: Deployment, now: datetime) -> None:
    from rich.text import Text

    when = scheduled_time(flow_run) or now
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        relative = "now"
    elif seconds > 0:
        relative = f"in {format_seconds(seconds)}"
    else:
        relative = f"{format_seconds(-seconds)} ago"
    parameters = json.dumps(flow_run.parameters, ensure_ascii=False, default=str)
    console.print(
        Text(f"Created flow run {flow_run.name!r} of deployment {deployment.full_name!r}.")
    )
    console.print(Text(f"└── ID: {flow_run.id}"))
    console.print(Text(f"└── Parameters: {parameters}"))
    console.print(Text(f"└── Scheduled start time: {offset_time(when)} ({relative})"))
    console.print(Text(f"└── Work pool: {deployment.work_pool_name}"))


def _watch(client: CauceClient, flow_run: FlowRun) -> None:
    """Follow the run's logs until it is final; exit 1 unless it Completed."""
    from rich.text import Text

    from cauce.cli.run_logs import print_logs

    console.print(
        Text(f"Watching flow run {flow_run.name!r} (Ctrl-C stops watching, not the run).")
    )
    print_logs(client, flow_run, 0, follow=True)
    final = client.read_flow_run(flow_run.id).state
    line = Text(f"Flow run {flow_run.name!r} finished in state ")
    line.append_text(state_text(final, with_message=True))
    console.print(line)
    if not final.is_completed():
        raise typer.Exit(1)


def _set_paused(name: str, is_paused: bool) -> None:
    from rich.text import Text

    client = cli_client()
    deployment = read_named(client, name)
    full_name = deployment.full_name
    if deployment.is_paused == is_paused:
        now = "paused" if is_paused else "active"
        console.print(Text(f"Deployment {full_name!r} is already {now}."))
        return
    client.set_deployment_paused(deployment.id, is_paused)
    if is_paused:
        console.print(
            Text(f"Paused deployment {full_name!r}; its waiting scheduled runs are gone.")
        )
    else:
        console.print(Text(f"Resumed deployment {full_name!r}; its schedules make runs again."))


def _schedules_text(deployment: Deployment) -> Text:
    from rich.text import Text

    if not deployment.schedules:
        return Text("-")
    return Text(
        "\n".join(
            describe_schedule(s) + ("" if s.is_active else " (paused)")
            for s in deployment.schedules
        )
    )


def _next_run(deployment: Deployment, now: datetime) -> str:
    """The soonest run time of the deployment's active schedules, in that schedule's zone."""
    if deployment.is_paused:
        return "-"
    soonest: tuple[datetime, str] | None = None
    for schedule in deployment.schedules:
        if schedule.is_active:
            for moment in next_times(schedule, now, 1):
                if soonest is None or moment < soonest[0]:
                    soonest = (moment, schedule.timezone)
    return "-" if soonest is None else offset_time(*soonest)


def _details(deployment: Deployment) -> Table:
    from rich.table import Table
    from rich.text import Text

    source = deployment.source + (f" (branch {deployment.branch})" if deployment.branch else "")
    limit = deployment.concurrency_limit
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("ID", str(deployment.id)),
        ("Flow", Text(deployment.flow_name)),
        ("Name", Text(deployment.name)),
        ("Entrypoint", Text(deployment.entrypoint)),
        ("Source", Text(source)),
        ("Work pool", Text(deployment.work_pool_name)),
        ("Parameters", pretty_json(deployment.parameters)),
        ("Tags", Text(", ".join(deployment.tags) or "-")),
        ("Version", Text(deployment.version or "-")),
        ("Description", Text(deployment.description or "-")),
        ("Paused", yes_no(deployment.is_paused)),
        ("Concurrency limit", "none" if limit is None else str(limit)),
        ("Watchdog running after", _running_after(deployment)),
        ("Created", offset_time(deployment.created)),
        ("Updated", offset_time(deployment.updated)),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _running_after(deployment: Deployment) -> str:
    """How long its runs may stay Running before the watchdog cancels them."""
    from datetime import timedelta

    from cauce.settings.durations import format_duration

    seconds = deployment.watchdog_running_after_seconds
    if seconds is None:
        return "the watchdog's default (CAUCE_WATCHDOG_RUNNING_AFTER)"
    return format_duration(timedelta(seconds=seconds))


def _upcoming_runs(client: CauceClient, deployment: Deployment) -> list[FlowRun]:
    """The deployment's runs waiting to start (Scheduled or Late), soonest first."""
    where = FlowRunFilter(
        deployment_id=deployment.id, state_types=["SCHEDULED"], limit=_UPCOMING_READ
    )
    runs = client.read_flow_runs(where)
    return sorted(runs, key=lambda r: (scheduled_time(r) or r.created, str(r.id)))
