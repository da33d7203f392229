"""`cauce deployment schedule`: list, add, pause, resume and delete a deployment's
schedules, and what `cauce deployment` shows of schedules.

A schedule's run times are shown in the schedule's own zone, the one its cron or
interval is read in, with their offset; a new schedule's default zone is
CAUCE_DEFAULT_TIMEZONE (never silently UTC). The schedule math and its one-line
errors are the core's (`orchestration.schedules`), so the times shown are the times
the scheduler makes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import console, offset_time, table
from cauce.cli.work_pool import yes_no
from cauce.states import now_utc

if TYPE_CHECKING:
    from rich.table import Table

    from cauce.client.base import CauceClient
    from cauce.schemas.deployments import Deployment, DeploymentSchedule

schedule_app = typer.Typer(
    help="List, add, pause, resume and delete a deployment's schedules.", no_args_is_help=True
)


NEXT_RUNS = 5
"""How many run times `inspect` and `schedule ls` show for each schedule."""


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


@schedule_app.command("ls")
def schedule_ls(name: DeploymentName) -> None:
    """List a deployment's schedules with their next run times."""
    from rich.text import Text

    deployment = read_named(cli_client(), name)
    if not deployment.schedules:
        console.print(Text(f"Deployment {deployment.full_name!r} has no schedules."))
        return
    console.print(schedules_table(deployment.schedules, now_utc()))


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
    client = cli_client()
    deployment = read_named(client, name)
    updated = client.add_deployment_schedule(deployment.id, schedule)
    added = next((s for s in updated.schedules if s.id == schedule.id), schedule)
    console.print(
        Text(
            f"Added schedule {added.id} to deployment {deployment.full_name!r}: "
            f"{describe_schedule(added)}"
        )
    )
    times = ", ".join(offset_time(t, added.timezone) for t in next_times(added, now_utc(), 3))
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

    client = cli_client()
    deployment = read_named(client, name)
    schedule = _find_schedule(deployment, schedule_id)
    confirm_deletion(f"schedule {schedule.id} ({describe_schedule(schedule)})", yes)
    client.delete_deployment_schedule(deployment.id, schedule.id)
    console.print(Text(f"Deleted schedule {schedule.id} of deployment {deployment.full_name!r}."))


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


def _set_schedule_active(name: str, schedule_id: str, is_active: bool) -> None:
    from rich.text import Text

    client = cli_client()
    deployment = read_named(client, name)
    schedule = _find_schedule(deployment, schedule_id)
    shown = f"schedule {schedule.id} ({describe_schedule(schedule)})"
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
    from cauce.orchestration.schedule_input import interval_seconds, schedule_from_input
    from cauce.orchestration.schedules import ScheduleError, resolve_timezone
    from cauce.settings import get_settings

    given = [o for o, v in (("--cron", cron), ("--interval", interval), ("--rrule", rrule)) if v]
    if len(given) != 1:
        raise CliError("give exactly one of --cron, --interval and --rrule")
    if anchor is not None and interval is None:
        raise CliError("--anchor goes with --interval")
    zone = timezone or get_settings().default_timezone
    if interval is not None:
        try:
            interval_seconds(interval)
        except ScheduleError as exc:
            raise CliError(f"--interval: {exc}") from None
    try:
        resolve_timezone(zone)
        return schedule_from_input(
            zone,
            cron=cron,
            interval=interval,
            anchor=None if anchor is None else parse_time(anchor, zone, "--anchor"),
            rrule=rrule,
        )
    except ScheduleError as exc:
        raise CliError(str(exc)) from None


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


def read_named(client: CauceClient, name: str) -> Deployment:
    """The deployment FLOW/NAME; a CliError for a name not in that form."""
    flow_name, slash, deployment_name = name.partition("/")
    if not (slash and flow_name and deployment_name):
        raise CliError(
            f"deployment {name!r} must be named FLOW/NAME, as `cauce deployment ls` shows"
        )
    return client.read_deployment_by_name(name)


def describe_schedule(schedule: DeploymentSchedule) -> str:
    """What the schedule says, in words: `cron 30 1,13,17 * * * (America/...)`."""
    from cauce.orchestration.schedules import as_schedule, describe

    return describe(as_schedule(schedule))


def _described_with_parameters(schedule: DeploymentSchedule) -> str:
    """What the schedule says, and under it the parameters its runs take, if any."""
    import json

    said = describe_schedule(schedule)
    if not schedule.parameters:
        return said
    return f"{said}\nparameters: {json.dumps(schedule.parameters, default=str)}"


def next_times(schedule: DeploymentSchedule, now: datetime, count: int) -> list[datetime]:
    """The schedule's next `count` run times after `now`."""
    from cauce.orchestration.schedules import as_schedule, next_run_times

    return next_run_times(as_schedule(schedule), now, count=count)


def schedules_table(schedules: list[DeploymentSchedule], now: datetime) -> Table:
    """Each schedule with its id, what it says, whether it is active and its next runs,
    in its own zone."""
    from rich.text import Text

    shown = table("ID", "Schedule", "Active", f"Next {NEXT_RUNS} runs", title="Schedules")
    for schedule in schedules:
        times = [offset_time(t, schedule.timezone) for t in next_times(schedule, now, NEXT_RUNS)]
        shown.add_row(
            str(schedule.id),
            Text(_described_with_parameters(schedule)),
            yes_no(schedule.is_active),
            "\n".join(times) or "-",
        )
    return shown


def cli_client() -> CauceClient:
    """The process's client, imported when a command runs."""
    from cauce.client.factory import get_client

    return get_client()
