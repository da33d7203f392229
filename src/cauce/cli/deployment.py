"""`cauce deployment`: list, inspect, run, pause and delete deployments, and their schedules.

Every time shown carries its UTC offset. A schedule's run times are shown in the
schedule's own zone, the one its cron or interval is read in; other times in
CAUCE_DEFAULT_TIMEZONE, which is also the zone of a `--start-at` written without
an offset and the default zone of a new schedule (never silently UTC).

The schedule math and its one-line errors are the core's (`orchestration.schedules`,
through `as_schedule`), so the times `inspect` promises are the times the scheduler
makes. Parameters are checked against the flow by the core when the run is created,
so a refused one leaves no run behind.

Long because `cauce deployment schedule` is a part of `cauce deployment` and lives
here with it, and each Typer option is a declaration of its own; the schedule verbs
(`schedule_app` and `_new_schedule`, `_find_schedule`) are the first part to move out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.errors import CliError
from cauce.cli.flow_run import runs_table, scheduled_time
from cauce.cli.output import console, format_seconds, offset_time, pretty_json, state_text, table
from cauce.cli.work_pool import Yes, confirm_or_abort, yes_no
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.states import now_utc

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from cauce.client.base import CauceClient
    from cauce.schemas.deployments import Deployment, DeploymentSchedule
    from cauce.schemas.flow_runs import FlowRun

app = typer.Typer(
    help="List, inspect, run, pause and delete deployments, and their schedules.",
    no_args_is_help=True,
)
schedule_app = typer.Typer(
    help="List, add, pause, resume and delete a deployment's schedules.", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")

NEXT_RUNS = 5
"""How many run times `inspect` and `schedule ls` show for each schedule."""
UPCOMING_RUNS_SHOWN = 10
_UPCOMING_READ = 200

DeploymentName = Annotated[
    str,
    typer.Argument(metavar="FLOW/NAME", help="The deployment, as `cauce deployment ls` shows it."),
]
ScheduleId = Annotated[
    str,
    typer.Argument(
        metavar="SCHEDULE_ID",
        help="The schedule's id, or its first characters, as `cauce deployment schedule ls` "
        "shows it.",
    ),
]

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
CronOption = Annotated[
    str | None,
    typer.Option("--cron", metavar="EXPR", help="A cron expression: '0 9 * * 1-5', @daily."),
]
IntervalOption = Annotated[
    str | None,
    typer.Option("--interval", metavar="DURATION", help="Every this long: 90, 30m, 2h, 1d."),
]
AnchorOption = Annotated[
    str | None,
    typer.Option(
        "--anchor",
        metavar="TIME",
        help="With --interval: an ISO time the runs keep step with (default: now); "
        "without an offset it is in the schedule's timezone.",
    ),
]
RRuleOption = Annotated[
    str | None,
    typer.Option("--rrule", metavar="TEXT", help="An RFC 5545 rule: 'FREQ=WEEKLY;BYDAY=MO'."),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        metavar="TZ",
        help="The IANA zone the schedule is read in (default CAUCE_DEFAULT_TIMEZONE).",
    ),
]


@app.command("ls")
def ls() -> None:
    """List deployments by flow and name, with their pool, schedules and next run."""
    from rich.text import Text

    deployments = _client().read_deployments()
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

    client = _client()
    deployment = _read(client, name)
    console.print(Text(f"Deployment {deployment.full_name!r}", style="bold"))
    console.print(_details(deployment))
    console.print()
    if deployment.schedules:
        console.print(_schedules_table(deployment.schedules, now_utc()))
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
    console.print(runs_table(upcoming[:UPCOMING_RUNS_SHOWN], title=title))


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
    parameters = parse_parameters(param or [], params)
    now = now_utc()
    when = _start_time(start_in, start_at, now)
    client = _client()
    deployment = _read(client, name)
    flow_run = client.create_flow_run_from_deployment(deployment.id, parameters, when)
    _print_created(flow_run, deployment, now)
    if watch:
        _watch(client, flow_run)


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
    """Delete a deployment with its schedules and its runs not started yet."""
    from rich.text import Text

    client = _client()
    deployment = _read(client, name)
    confirm_or_abort(f"Delete deployment {deployment.full_name!r}?", yes)
    client.delete_deployment(deployment.id)
    console.print(Text(f"Deleted deployment {deployment.full_name!r}."))


@schedule_app.command("ls")
def schedule_ls(name: DeploymentName) -> None:
    """List a deployment's schedules with their next run times."""
    from rich.text import Text

    deployment = _read(_client(), name)
    if not deployment.schedules:
        console.print(Text(f"Deployment {deployment.full_name!r} has no schedules."))
        return
    console.print(_schedules_table(deployment.schedules, now_utc()))


@schedule_app.command("add")
def schedule_add(
    name: DeploymentName,
    cron: CronOption = None,
    interval: IntervalOption = None,
    anchor: AnchorOption = None,
    rrule: RRuleOption = None,
    timezone: TimezoneOption = None,
) -> None:
    """Add a schedule to a deployment; its upcoming runs are made at once."""
    from rich.text import Text

    schedule = _new_schedule(cron, interval, anchor, rrule, timezone)
    client = _client()
    deployment = _read(client, name)
    updated = client.add_deployment_schedule(deployment.id, schedule)
    added = next((s for s in updated.schedules if s.id == schedule.id), schedule)
    console.print(
        Text(
            f"Added schedule {added.id} to deployment {deployment.full_name!r}: {_describe(added)}"
        )
    )
    times = ", ".join(offset_time(t, added.timezone) for t in _next_times(added, now_utc(), 3))
    console.print(Text(f"Next runs: {times or 'none'}"))


@schedule_app.command("pause")
def schedule_pause(name: DeploymentName, schedule_id: ScheduleId) -> None:
    """Pause one schedule: it makes no runs, and the ones it made that wait are removed."""
    _set_schedule_active(name, schedule_id, False)


@schedule_app.command("resume")
def schedule_resume(name: DeploymentName, schedule_id: ScheduleId) -> None:
    """Resume a paused schedule; its runs are made again at once."""
    _set_schedule_active(name, schedule_id, True)


@schedule_app.command("delete")
def schedule_delete(name: DeploymentName, schedule_id: ScheduleId, yes: Yes = False) -> None:
    """Delete one schedule of a deployment, with the waiting runs only it made."""
    from rich.text import Text

    client = _client()
    deployment = _read(client, name)
    schedule = _find_schedule(deployment, schedule_id)
    confirm_or_abort(f"Delete schedule {schedule.id} ({_describe(schedule)})?", yes)
    client.delete_deployment_schedule(deployment.id, schedule.id)
    console.print(Text(f"Deleted schedule {schedule.id} of deployment {deployment.full_name!r}."))


def parse_parameters(pairs: list[str], params: str | None) -> dict[str, Any]:
    """The --params JSON object with each --param KEY=VALUE over it.

    VALUE is JSON when it parses (`n=3` is 3, `flag=true` is True) and text otherwise
    (`name=hola`); NaN and Infinity stay text, since no JSON body can carry them.
    """
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
            merged[key.strip()] = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError:
            merged[key.strip()] = raw
    return merged


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_time(raw: str, zone: str, option: str) -> datetime:
    """An ISO date and time typed for `option`, read in `zone` when it has no offset."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise CliError(
            f"{option}: expected an ISO date and time such as 2026-03-01T14:30 or "
            f"2026-03-01T14:30-03:00, got {raw!r}"
        ) from None
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


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

    client = _client()
    deployment = _read(client, name)
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


def _set_schedule_active(name: str, schedule_id: str, is_active: bool) -> None:
    from rich.text import Text

    client = _client()
    deployment = _read(client, name)
    schedule = _find_schedule(deployment, schedule_id)
    shown = f"schedule {schedule.id} ({_describe(schedule)})"
    if schedule.is_active == is_active:
        now = "active" if is_active else "paused"
        console.print(Text(f"The {shown} is already {now}."))
        return
    client.set_deployment_schedule_active(deployment.id, schedule.id, is_active)
    console.print(Text(f"{'Resumed' if is_active else 'Paused'} {shown}."))


def _new_schedule(
    cron: str | None,
    interval: str | None,
    anchor: str | None,
    rrule: str | None,
    timezone: str | None,
) -> DeploymentSchedule:
    """The schedule the options describe, checked by the core's rules; a CliError if bad."""
    from cauce.orchestration.schedules import (
        ScheduleError,
        as_schedule,
        resolve_timezone,
        validate_schedule,
    )
    from cauce.schemas.deployments import DeploymentSchedule
    from cauce.settings import get_settings
    from cauce.settings.durations import parse_duration

    given = [o for o, v in (("--cron", cron), ("--interval", interval), ("--rrule", rrule)) if v]
    if len(given) != 1:
        raise CliError("give exactly one of --cron, --interval and --rrule")
    if anchor is not None and interval is None:
        raise CliError("--anchor goes with --interval")
    zone = timezone or get_settings().default_timezone
    try:
        resolve_timezone(zone)
        seconds = None
        if interval is not None:
            try:
                seconds = parse_duration(interval).total_seconds()
            except ValueError as exc:
                raise CliError(f"--interval: {exc}") from None
        schedule = DeploymentSchedule(
            timezone=zone,
            cron=cron,
            interval_seconds=seconds,
            anchor=None if anchor is None else parse_time(anchor, zone, "--anchor"),
            rrule=rrule,
        )
        validate_schedule(as_schedule(schedule))
    except ScheduleError as exc:
        raise CliError(str(exc)) from None
    return schedule


def _find_schedule(deployment: Deployment, raw: str) -> DeploymentSchedule:
    """The deployment's schedule with this id, or the only one whose id starts so."""
    key = raw.strip().lower()
    matches = [s for s in deployment.schedules if str(s.id) == key]
    matches = matches or [s for s in deployment.schedules if key and str(s.id).startswith(key)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CliError(
            f"{raw!r} starts the ids of {len(matches)} schedules of deployment "
            f"{deployment.full_name!r}; give more of the id"
        )
    raise CliError(
        f"deployment {deployment.full_name!r} has no schedule {raw!r} "
        f"(`cauce deployment schedule ls {deployment.full_name}` lists them)"
    )


def _read(client: CauceClient, name: str) -> Deployment:
    flow_name, slash, deployment_name = name.partition("/")
    if not (slash and flow_name and deployment_name):
        raise CliError(
            f"deployment {name!r} must be named FLOW/NAME, as `cauce deployment ls` shows"
        )
    return client.read_deployment_by_name(name)


def _describe(schedule: DeploymentSchedule) -> str:
    from cauce.orchestration.schedules import as_schedule, describe

    return describe(as_schedule(schedule))


def _next_times(schedule: DeploymentSchedule, now: datetime, count: int) -> list[datetime]:
    from cauce.orchestration.schedules import as_schedule, next_run_times

    return next_run_times(as_schedule(schedule), now, count=count)


def _schedules_text(deployment: Deployment) -> Text:
    from rich.text import Text

    if not deployment.schedules:
        return Text("-")
    return Text(
        "\n".join(_describe(s) + ("" if s.is_active else " (paused)") for s in deployment.schedules)
    )


def _next_run(deployment: Deployment, now: datetime) -> str:
    """The soonest run time of the deployment's active schedules, in that schedule's zone."""
    if deployment.is_paused:
        return "-"
    soonest: tuple[datetime, str] | None = None
    for schedule in deployment.schedules:
        if schedule.is_active:
            for moment in _next_times(schedule, now, 1):
                if soonest is None or moment < soonest[0]:
                    soonest = (moment, schedule.timezone)
    return "-" if soonest is None else offset_time(*soonest)


def _schedules_table(schedules: list[DeploymentSchedule], now: datetime) -> Table:
    """Each schedule with its id, what it says, whether it is active and its next runs,
    in its own zone."""
    from rich.text import Text

    shown = table("ID", "Schedule", "Active", f"Next {NEXT_RUNS} runs", title="Schedules")
    for schedule in schedules:
        times = [offset_time(t, schedule.timezone) for t in _next_times(schedule, now, NEXT_RUNS)]
        shown.add_row(
            str(schedule.id),
            Text(_describe(schedule)),
            yes_no(schedule.is_active),
            "\n".join(times) or "-",
        )
    return shown


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
        ("Created", offset_time(deployment.created)),
        ("Updated", offset_time(deployment.updated)),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _upcoming_runs(client: CauceClient, deployment: Deployment) -> list[FlowRun]:
    """The deployment's runs waiting to start (Scheduled or Late), soonest first."""
    where = FlowRunFilter(
        deployment_id=deployment.id, state_types=["SCHEDULED"], limit=_UPCOMING_READ
    )
    runs = client.read_flow_runs(where)
    return sorted(runs, key=lambda r: (scheduled_time(r) or r.created, str(r.id)))


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
