"""`cauce deploy`: make a deployment from a flow in this project, as the guide's §4 does.

At a terminal it asks what the flags did not say: which flow (found under the
current folder by reading the sources), the deployment's name, a schedule and
its timezone, default parameters and the work pool. The answers are saved in
cauce.yaml at the project root, so that `cauce deploy --all --no-prompt` (or
`cauce deploy NAME`) applies them again without a question. With no terminal,
or `--no-prompt`, a missing answer is one line naming its flag, and nothing is
written. Nothing is written either until every answer has been checked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.errors import CliError

if TYPE_CHECKING:
    from cauce.client.base import CauceClient
    from cauce.deployments.cauce_yaml import DeploymentEntry, ScheduleEntry
    from cauce.schemas.deployments import DeploymentSchedule


def deploy(
    target: Annotated[
        str | None,
        typer.Argument(
            help="path/to/file.py:function to deploy, or the name of a cauce.yaml entry.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Deployment name.")] = None,
    pool: Annotated[str | None, typer.Option("--pool", "-p", help="Work pool.")] = None,
    cron: Annotated[
        str | None, typer.Option(help="Cron schedule, e.g. '30 1,13,17 * * *'.")
    ] = None,
    interval: Annotated[
        str | None, typer.Option(help="Interval schedule: seconds, or 30m, 2h...")
    ] = None,
    rrule: Annotated[str | None, typer.Option(help="RFC 5545 rrule schedule.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Schedule timezone (default CAUCE_DEFAULT_TIMEZONE).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Default parameter k=v (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable).")] = None,
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    version: Annotated[str | None, typer.Option(help="Version of the flow's code.")] = None,
    all_entries: Annotated[
        bool, typer.Option("--all", help="Apply every deployment in cauce.yaml.")
    ] = False,
    no_prompt: Annotated[
        bool, typer.Option("--no-prompt", help="Never ask; a missing answer is an error.")
    ] = False,
) -> None:
    """Deploy a flow: where its code is, how it is called, when it runs, in which pool."""
    from cauce.deployments.cauce_yaml import CauceYamlError
    from cauce.deployments.discovery import EntrypointError
    from cauce.deployments.prompts import Cancelled

    given = {"--name": name, "--pool": pool, "--cron": cron, "--interval": interval,
             "--rrule": rrule, "--timezone": timezone, "--param": param, "--tag": tag,
             "--description": description, "--version": version}  # fmt: skip
    _refuse_ignored_flags(target, all_entries, given)
    try:
        _deploy(
            target, name, pool, cron, interval, rrule, timezone, param or [], tag or [],
            description, version, all_entries, no_prompt,
        )  # fmt: skip
    except (EntrypointError, CauceYamlError, Cancelled) as exc:
        raise CliError(str(exc)) from None


def _deploy(
    target: str | None,
    name: str | None,
    pool: str | None,
    cron: str | None,
    interval: str | None,
    rrule: str | None,
    timezone: str | None,
    params: list[str],
    tags: list[str],
    description: str | None,
    version: str | None,
    all_entries: bool,
    no_prompt: bool,
) -> None:
    from cauce.client.factory import get_client
    from cauce.deployments.apply import apply_entries
    from cauce.deployments.cauce_yaml import FILE_NAME, find_cauce_yaml, load_cauce_yaml
    from cauce.settings import get_settings

    cwd = Path.cwd()
    found = find_cauce_yaml(cwd)
    root = found.parent if found is not None else cwd
    yaml_path = found or cwd / FILE_NAME
    entries = load_cauce_yaml(yaml_path) if found is not None else []
    default_timezone = get_settings().default_timezone
    client = get_client()

    if all_entries or _names_saved_entry(target):
        chosen = entries if all_entries else [e for e in entries if e.name == target]
        if not chosen:
            where = str(yaml_path) if found else f"no {FILE_NAME} here or above"
            what = "no deployments" if all_entries else f"no deployment named {target!r}"
            raise CliError(f"{what} in {where}")
        _apply_saved(client, chosen, root, default_timezone)
        return

    interactive = not no_prompt and sys.stdin.isatty() and sys.stdout.isatty()
    schedule = (cron, interval, rrule, timezone)
    answers = _Answers(root, interactive, target, name, pool, *schedule, params, default_timezone)
    entry = answers.entry(client, tags, description, version)
    _create_pool(client, answers.new_pool, entry, root, default_timezone)
    [deployment] = apply_entries(client, [entry], root, default_timezone)
    from cauce.deployments.cauce_yaml import save_deployment

    save_deployment(yaml_path, entry)
    _report(deployment)
    if answers.is_zone_defaulted:
        _say_machine_zone(default_timezone, "pass --timezone")
    typer.echo(f"Saved in {yaml_path}: `cauce deploy --all --no-prompt` applies it again.")


def _create_pool(
    client: CauceClient, name: str | None, entry: DeploymentEntry, root: Path, zone: str
) -> None:
    """Create the pool the wizard was told to (if any), once the deployment it is for
    passes every check but the pool's existence: a refused answer leaves no pool behind."""
    from cauce.deployments.apply import check_deployment, deployment_from_entry
    from cauce.schemas.deployments import WorkPool

    if name is None:
        return
    check_deployment(deployment_from_entry(entry, root, zone))
    client.create_work_pool(WorkPool(name=name))
    typer.echo(f"Created work pool {name!r}.")


def _names_saved_entry(target: str | None) -> bool:
    """Whether `target` is the name of a cauce.yaml entry rather than file.py:function."""
    return target is not None and ":" not in target and not target.endswith(".py")


def _refuse_ignored_flags(target: str | None, all_entries: bool, given: dict[str, Any]) -> None:
    """A CliError naming the flags that applying saved entries (`--all`, `NAME`) would not use.

    `--all` and `NAME` apply cauce.yaml as it is; a flag beside them would be dropped
    without a word, and the user would believe the deployment has it.
    """
    if not (all_entries or _names_saved_entry(target)):
        return
    ignored = [flag for flag, value in given.items() if value not in (None, [])]
    if all_entries and target is not None:
        ignored.insert(0, f"the target {target!r}")
    if not ignored:
        return
    what = "--all" if all_entries else str(target)
    raise CliError(
        f"cauce deploy {what} applies cauce.yaml as it is and would ignore "
        f"{', '.join(ignored)}; edit cauce.yaml, or deploy path/to/file.py:function with them"
    )


def _apply_saved(
    client: CauceClient, chosen: list[DeploymentEntry], root: Path, default_timezone: str
) -> None:
    """Apply deployments as cauce.yaml has them, saying which zone a schedule took."""
    from cauce.deployments.apply import apply_entries

    for deployment in apply_entries(client, chosen, root, default_timezone):
        _report(deployment)
    if any(s.timezone is None for e in chosen for s in e.schedules):
        _say_machine_zone(default_timezone, "add timezone: to the schedule in cauce.yaml")


class _Answers:
    """What the flags said, and the questions for the rest (or the flag to pass)."""

    def __init__(
        self,
        root: Path,
        interactive: bool,
        target: str | None,
        name: str | None,
        pool: str | None,
        cron: str | None,
        interval: str | None,
        rrule: str | None,
        timezone: str | None,
        params: list[str],
        default_timezone: str,
    ) -> None:
        self.root, self.interactive = root, interactive
        self.target, self.name, self.pool = target, name, pool
        self.cron, self.interval, self.rrule = cron, interval, rrule
        self.timezone, self.params, self.default_timezone = timezone, params, default_timezone
        # Whether a flag-built schedule took the default zone (no --timezone).
        self.is_zone_defaulted = False
        # A pool the user chose to create: made once every answer has been checked.
        self.new_pool: str | None = None

    def _missing(self, flag: str, what: str) -> CliError:
        reason = "--no-prompt is set" if sys.stdin.isatty() else "there is no terminal to ask"
        return CliError(f"cauce deploy: {what} was not given and {reason}; pass {flag}")

    def entry(
        self, client: Any, tags: list[str], description: str | None, version: str | None
    ) -> Any:
        from cauce.deployments import prompts
        from cauce.deployments.cauce_yaml import DeploymentEntry
        from cauce.deployments.discovery import discover, load_entrypoint

        if self.target is not None:
            flow = load_entrypoint(self.root, self.target)
        elif self.interactive:
            flow = prompts.choose_flow(self.root, *discover(self.root))
        else:
            raise self._missing("an entrypoint (path/to/file.py:function)", "the flow")
        name = self.name
        if name is None:
            if not self.interactive:
                raise self._missing("--name", "the deployment name")
            name = prompts.deployment_name("default")
        schedule = self._schedule(prompts)
        parameters = self._parameters(prompts, flow.parameter_schema)
        pool = self._pool(prompts, client)
        schedules = () if schedule is None else (_schedule_entry(schedule),)
        return DeploymentEntry(
            name=name,
            entrypoint=flow.entrypoint,
            work_pool=pool,
            parameters=parameters,
            schedules=schedules,
            tags=tuple(tags),
            description=description,
            version=version,
        )

    def _schedule(self, prompts: Any) -> DeploymentSchedule | None:
        from cauce.orchestration.schedule_input import interval_seconds, schedule_from_input
        from cauce.orchestration.schedules import ScheduleError, resolve_timezone

        given = [kind for kind in (self.cron, self.interval, self.rrule) if kind is not None]
        if len(given) > 1:
            raise CliError("cauce deploy: give only one of --cron, --interval and --rrule")
        if not given:
            if self.interactive:
                answer: DeploymentSchedule | None = prompts.schedule(
                    self.timezone or self.default_timezone
                )
                return answer
            return None
        if self.interval is not None:
            try:
                interval_seconds(self.interval)
            except ScheduleError as exc:
                raise CliError(f"--interval: {exc}") from None
        self.is_zone_defaulted = self.timezone is None
        timezone = (self.timezone or self.default_timezone).strip()
        try:
            resolve_timezone(timezone)
        except ValueError as exc:
            raise CliError(f"--timezone: {exc}") from None
        try:
            return schedule_from_input(
                timezone, cron=self.cron, interval=self.interval, rrule=self.rrule
            )
        except ScheduleError as exc:
            raise CliError(str(exc)) from None

    def _parameters(self, prompts: Any, schema: dict[str, Any]) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for item in self.params:
            key, equals, value = item.partition("=")
            if not equals or not key.strip():
                raise CliError(f"--param {item!r} must look like name=value")
            spec = schema.get("properties", {}).get(key.strip())
            given[key.strip()] = prompts.parse_value(value, spec)
        if self.interactive and not self.params:
            chosen: dict[str, Any] = prompts.parameters(schema, given)
            return chosen
        return given

    def _pool(self, prompts: Any, client: Any) -> str:
        if self.pool is not None:
            return self.pool
        if not self.interactive:
            raise self._missing("--pool", "the work pool")
        names = [p.name for p in client.read_work_pools()]
        name, create = prompts.work_pool(names)
        if create:
            self.new_pool = name
        return str(name)


def _schedule_entry(schedule: DeploymentSchedule) -> ScheduleEntry:
    """How cauce.yaml records a schedule the flags or the wizard built."""
    from cauce.deployments.cauce_yaml import ScheduleEntry

    return ScheduleEntry(
        cron=schedule.cron,
        interval_seconds=schedule.interval_seconds,
        rrule=schedule.rrule,
        timezone=schedule.timezone,
    )


def _say_machine_zone(zone: str, remedy: str) -> None:
    """One line on stderr when `zone`, taken for a schedule, is this machine's.

    A server or a teammate in another zone would run the schedule at other hours
    than the author meant, and a CI machine's zone is usually UTC: say it, once.
    """
    from cauce.settings.settings import resolve

    if resolve().values["CAUCE_DEFAULT_TIMEZONE"].source != "defaults":
        return  # CAUCE_DEFAULT_TIMEZONE chose it, in the environment or the profile
    typer.echo(
        f"timezone: {zone} (this machine's zone); {remedy} or set CAUCE_DEFAULT_TIMEZONE "
        "for your team's",
        err=True,
    )


def _report(deployment: Any) -> None:
    from cauce.cli.output import offset_time
    from cauce.orchestration.schedules import (
        as_schedule,
        describe,
        next_run_times,
    )
    from cauce.states import now_utc

    typer.echo(
        f"Deployment {deployment.full_name!r} is in work pool {deployment.work_pool_name!r}."
    )
    now = now_utc()
    for schedule in deployment.schedules:
        pure = as_schedule(schedule)
        times = ", ".join(
            offset_time(t, schedule.timezone) for t in next_run_times(pure, now, count=3)
        )
        typer.echo(f"  {describe(pure)}: next runs {times}")
    if not deployment.schedules:
        typer.echo(f"  No schedule: run it with `cauce deployment run {deployment.full_name}`.")
