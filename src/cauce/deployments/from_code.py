"""Deployments from Python, as Prefect users write them.

    flow.deploy(name="diario", work_pool_name="compras-prod", cron="0 9 * * *")
    flow.from_source(source="https://github.com/org/repo.git", entrypoint="f.py:f").deploy(...)
    cauce.deploy(f.to_deployment("a", cron=...), g.to_deployment("b"), work_pool_name="p")
    cauce.deployments.run_deployment("basic-flow/diario", parameters={"n": 3})

A flow defined in a file needs no `from_source`: its source is the file's folder
and its entrypoint `file.py:function`, read from the function itself. Schedules
without a timezone take CAUCE_DEFAULT_TIMEZONE, else the machine's zone. The
parameter schema comes from the function's signature.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cauce.schemas.deployments import Deployment, DeploymentSchedule

if TYPE_CHECKING:
    from cauce.flows import Flow
    from cauce.schemas.flow_runs import FlowRun


class DeploymentError(ValueError):
    """A deployment that cannot be made from this code; the message says why."""


@dataclass(frozen=True)
class FlowSource:
    """Where a flow's code lives for its deployment: a folder or a git URL, and the
    entrypoint `path/to/file.py:function` inside it."""

    source: str
    entrypoint: str
    branch: str | None = None


@dataclass
class DeploymentSpec:
    """A deployment described in code, not yet applied (`Flow.to_deployment`)."""

    flow: Flow[..., Any]
    name: str
    work_pool_name: str | None = None
    schedules: list[DeploymentSchedule] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    version: str | None = None
    paused: bool = False
    concurrency_limit: int | None = None
    watchdog_running_after_seconds: float | None = None

    def to_deployment(self, work_pool_name: str | None = None) -> Deployment:
        """The deployment to store, with the flow's source, entrypoint and schema."""
        from cauce.deployments.parameter_schema import schema_from_function

        pool = self.work_pool_name or work_pool_name
        if pool is None:
            raise DeploymentError(f"deployment {self.name!r} needs a work_pool_name")
        where = flow_source(self.flow)
        return Deployment(
            flow_name=self.flow.name,
            name=self.name,
            entrypoint=where.entrypoint,
            work_pool_name=pool,
            source=where.source,
            branch=where.branch,
            parameters=dict(self.parameters),
            parameter_schema=schema_from_function(self.flow.fn),
            schedules=list(self.schedules),
            tags=sorted({*self.flow.tags, *self.tags}),
            description=self.description or self.flow.description,
            version=self.version or self.flow.version,
            is_paused=self.paused,
            concurrency_limit=self.concurrency_limit,
            watchdog_running_after_seconds=self.watchdog_running_after_seconds,
        )


def schedules_from(
    cron: str | list[str] | None,
    interval: float | timedelta | list[float | timedelta] | None,
    rrule: str | list[str] | None,
    timezone: str | None,
    anchor_date: datetime | None = None,
) -> list[DeploymentSchedule]:
    """The schedules that `cron=`, `interval=` and `rrule=` say (each may be a list),
    each checked; ScheduleError naming what is wrong."""
    from cauce.orchestration.schedule_input import schedule_from_input
    from cauce.settings import get_settings

    zone = timezone or get_settings().default_timezone

    def listed(value: Any) -> list[Any]:
        return [] if value is None else list(value) if isinstance(value, list) else [value]

    found = [schedule_from_input(zone, cron=c) for c in listed(cron)]
    found += [schedule_from_input(zone, interval=i, anchor=anchor_date) for i in listed(interval)]
    found += [schedule_from_input(zone, rrule=r) for r in listed(rrule)]
    return found


def deployment_schedule(given: Any, timezone: str) -> DeploymentSchedule:
    """The deployment schedule that a cauce.schedules Schedule (or a CronSchedule,
    IntervalSchedule or RRuleSchedule) says, with `timezone` when it names none, and its
    own `parameters`; ScheduleError for one cauce cannot keep (day_or=False)."""
    from cauce.orchestration.schedule_input import schedule_from_input
    from cauce.orchestration.schedules import ScheduleError

    kinds = {kind: getattr(given, kind, None) for kind in ("cron", "interval", "rrule")}
    if sum(value is not None for value in kinds.values()) != 1:
        raise ScheduleError(f"{given!r} is not a schedule: give Cron(), Interval() or RRule()")
    if getattr(given, "day_or", True) is False:
        raise ScheduleError("cauce matches cron days as day_or=True only")
    schedule = schedule_from_input(
        getattr(given, "timezone", None) or timezone,
        anchor=getattr(given, "anchor_date", None),
        is_active=getattr(given, "active", True),
        **kinds,
    )
    schedule.parameters = dict(getattr(given, "parameters", None) or {})
    return schedule


def _schedules_of(
    name: str, ways: dict[str, Any], timezone: str | None, anchor_date: datetime | None
) -> list[DeploymentSchedule]:
    """The deployment's schedules from `cron=`, `interval=`, `rrule=`, or Prefect's
    `schedule=` / `schedules=`; DeploymentError naming the deployment."""
    from cauce.orchestration.schedules import ScheduleError
    from cauce.settings import get_settings

    objects = ways["schedule"] is not None or ways["schedules"] is not None
    if objects and sum(way is not None for way in ways.values()) > 1:
        raise DeploymentError(
            f"deployment {name!r}: only one of interval, cron, rrule, schedule, "
            "or schedules can be provided"
        )
    given = [ways["schedule"]] if ways["schedule"] is not None else list(ways["schedules"] or [])
    zone = timezone or get_settings().default_timezone
    try:
        found = schedules_from(ways["cron"], ways["interval"], ways["rrule"], zone, anchor_date)
        return found + [deployment_schedule(item, zone) for item in given]
    except ScheduleError as exc:
        raise DeploymentError(f"deployment {name!r}: {exc}") from None


def flow_source(flow: Flow[..., Any]) -> FlowSource:
    """Where `flow`'s code is: given by `from_source`, else the file that defines it."""
    given: FlowSource | None = getattr(flow, "source", None)
    if given is not None:
        return given
    file = inspect.getsourcefile(flow.fn)
    if file is None or not Path(file).is_file() or flow.fn.__name__ != flow.fn.__qualname__:
        raise DeploymentError(
            f"flow {flow.name!r} is not a module-level function of a file; "
            "use flow.from_source(source=..., entrypoint='file.py:function')"
        )
    path = Path(file).resolve()
    return FlowSource(str(path.parent), f"{path.name}:{flow.fn.__name__}")


def flow_to_deployment(
    flow: Flow[..., Any],
    name: str,
    *,
    work_pool_name: str | None = None,
    cron: str | list[str] | None = None,
    interval: float | timedelta | list[float | timedelta] | None = None,
    rrule: str | list[str] | None = None,
    timezone: str | None = None,
    anchor_date: datetime | None = None,
    parameters: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    description: str | None = None,
    version: str | None = None,
    paused: bool = False,
    concurrency_limit: int | None = None,
    watchdog_running_after: float | str | timedelta | None = None,
    schedule: Any = None,
    schedules: list[Any] | None = None,
) -> DeploymentSpec:
    """The deployment `name` of `flow`, described but not applied (Flow.to_deployment).

    Its schedules come from `cron=`, `interval=` and `rrule=`, or from Prefect's
    `schedule=` / `schedules=` (cauce.schedules' Cron, Interval, RRule), not both.
    Raises DeploymentError, naming the deployment, for a schedule that is not valid."""
    ways = dict(cron=cron, interval=interval, rrule=rrule, schedule=schedule, schedules=schedules)
    found = _schedules_of(name, ways, timezone, anchor_date)
    return DeploymentSpec(
        flow,
        name,
        work_pool_name,
        found,
        dict(parameters or {}),
        list(tags or []),
        description,
        version,
        paused,
        concurrency_limit,
        seconds_from(watchdog_running_after, "watchdog_running_after"),
    )


def seconds_from(value: float | str | timedelta | None, option: str) -> float | None:
    """A duration given in code (seconds, `"6h"`, or a timedelta) in seconds; None for None.

    Raises DeploymentError naming `option` for anything that is not a positive duration."""
    from cauce.settings.durations import parse_duration

    if value is None:
        return None
    try:
        duration = parse_duration(value) if isinstance(value, str) else value
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    except (TypeError, ValueError) as exc:
        raise DeploymentError(f"{option}: {exc}") from None
    if not 0 < seconds < float("inf"):
        raise DeploymentError(f"{option} must be a duration above zero, got {value!r}")
    return seconds


def apply(client: Any, specs: list[DeploymentSpec], work_pool_name: str | None) -> list[uuid.UUID]:
    """Apply the specs (each checked first, so a bad one writes nothing); their ids."""
    from cauce.deployments.apply import preflight

    deployments = [spec.to_deployment(work_pool_name) for spec in specs]
    for deployment in deployments:
        preflight(client, deployment)
    return [client.apply_deployment(deployment).id for deployment in deployments]


def deploy(*deployments: DeploymentSpec, work_pool_name: str | None = None) -> list[uuid.UUID]:
    """Create or update these deployments (made with `flow.to_deployment(...)`); their ids.

    `work_pool_name` is the pool of those that do not name one."""
    from cauce.client.factory import get_client

    return apply(get_client(), list(deployments), work_pool_name)


def load_flow_from_source(
    source: str | Path, entrypoint: str, branch: str | None = None
) -> Flow[..., Any]:
    """The flow at `entrypoint` inside `source` (a folder, or a git URL cloned under
    CAUCE_HOME), imported, and remembering where it came from for `.deploy()`."""
    from cauce.deployments.apply import is_git_url

    text = str(source)
    folder = clone_or_pull(text, branch) if is_git_url(text) else Path(text).resolve()
    file = entrypoint_file(folder, entrypoint)
    sys.path.insert(0, str(file.parent))
    try:
        found = import_flow(file, entrypoint)
    finally:
        sys.path.remove(str(file.parent))
    kept: Flow[..., Any] = found.with_options()
    kept.source = FlowSource(text if is_git_url(text) else str(folder), entrypoint, branch)
    return kept


def entrypoint_file(folder: Path, entrypoint: str) -> Path:
    """The file of `path/file.py:function` inside `folder`; DeploymentError if missing."""
    path_text = entrypoint.rpartition(":")[0]
    file = folder / path_text.replace("\\", "/")
    if not file.is_file():
        raise DeploymentError(f"entrypoint {entrypoint!r}: {file} not found")
    return file


def import_flow(file: Path, entrypoint: str) -> Flow[..., Any]:
    """Import `file` as a module registered in sys.modules (so that its classes pickle and
    its dataclasses resolve their annotations) and return the flow `entrypoint` names."""
    function = entrypoint.rpartition(":")[2]
    name = f"cauce_source_{hashlib.sha1(str(file).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    found = getattr(module, function, None)
    # Told apart by its classes' names: flows.py imports this module, not the other way.
    if not any(
        (c.__module__, c.__qualname__) == ("cauce.flows", "Flow") for c in type(found).__mro__
    ):
        raise DeploymentError(f"entrypoint {entrypoint!r}: {function!r} is not a flow")
    flow: Flow[..., Any] = found  # type: ignore[assignment]
    return flow


def clone_or_pull(url: str, branch: str | None) -> Path:
    """The clone of `url` (at `branch`) kept under CAUCE_HOME/sources, cloned the first
    time and pulled after; DeploymentError with git's own words when git fails."""
    folder = git_clone_folder(url, branch)
    if (folder / ".git").is_dir():
        command = ["git", "-C", str(folder), "pull", "--ff-only"]
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        command = ["git", "clone", "--depth", "1", *(["-b", branch] if branch else []), url]
        command.append(str(folder))
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        raise DeploymentError(f"cannot get {url}: {message}")
    return folder


def git_clone_folder(url: str, branch: str | None) -> Path:
    """Where the clone of `url` at `branch` is kept."""
    from cauce.settings import get_settings

    key = hashlib.sha1(f"{url}#{branch or ''}".encode()).hexdigest()[:16]
    return get_settings().home / "sources" / key


def run_deployment(
    name: str | uuid.UUID,
    parameters: dict[str, Any] | None = None,
    scheduled_time: datetime | None = None,
    timeout: float | None = None,
    poll_interval: float = 1.0,
    tags: list[str] | None = None,
) -> FlowRun:
    """Create a run of the deployment `flow-name/deployment-name` (or id) and return it.

    With `timeout=0` it returns at once, the run Scheduled; otherwise it waits for the
    run to end (`None`: as long as it takes) and returns it as it is then.
    """
    from cauce.client.factory import get_client

    client = get_client()
    deployment = (
        client.read_deployment(name)
        if isinstance(name, uuid.UUID)
        else client.read_deployment_by_name(name)
    )
    flow_run = client.create_flow_run_from_deployment(
        deployment.id, parameters or {}, scheduled_time, tags
    )
    if timeout == 0:
        return flow_run
    deadline = None if timeout is None else time.monotonic() + timeout
    while not flow_run.state.is_final():
        if deadline is not None and time.monotonic() >= deadline:
            break
        time.sleep(poll_interval)
        flow_run = client.read_flow_run(flow_run.id)
    return flow_run
