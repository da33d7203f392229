"""From a cauce.yaml entry (or the same answers given as flags) to a stored deployment.

The entry's entrypoint is read with `ast` (never imported) for the flow's name
and parameter schema; a local source is stored as an absolute folder, so that a
worker on this machine finds the code wherever it starts; a schedule without a
timezone takes the default one (CAUCE_DEFAULT_TIMEZONE, else the machine's).
The client's core checks the rest (the pool exists, schedules and parameters
are valid) before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cauce.client.base import CauceClient
from cauce.deployments.cauce_yaml import DeploymentEntry, ScheduleEntry
from cauce.deployments.discovery import load_entrypoint
from cauce.schemas.deployments import Deployment, DeploymentSchedule


def is_git_url(source: str) -> bool:
    """Whether a deployment's source names a git repository rather than a folder."""
    return source.endswith(".git") or source.startswith(("git@", "https://", "http://", "ssh://"))


def deployment_schedule(entry: ScheduleEntry, default_timezone: str) -> DeploymentSchedule:
    """The stored form of one schedule entry."""
    return DeploymentSchedule(
        timezone=entry.timezone or default_timezone,
        cron=entry.cron,
        interval_seconds=entry.interval_seconds,
        anchor=entry.anchor,
        rrule=entry.rrule,
        is_active=entry.active,
        parameters=dict(entry.parameters),
    )


def deployment_from_entry(entry: DeploymentEntry, root: Path, default_timezone: str) -> Deployment:
    """The deployment an entry describes; `root` is the folder of its cauce.yaml.

    Raises EntrypointError when the entrypoint does not name a flow (for a local source;
    a git source's code is not here to read)."""
    if is_git_url(entry.source):
        source, flow_name, schema = entry.source, None, {}
    else:
        folder = (root / entry.source).resolve()
        flow = load_entrypoint(folder, entry.entrypoint)
        source, flow_name, schema = str(folder), flow.flow_name, flow.parameter_schema
    if flow_name is None:
        flow_name = entry.entrypoint.rpartition(":")[2].replace("_", "-")
    return Deployment(
        flow_name=flow_name,
        name=entry.name,
        entrypoint=entry.entrypoint.replace("\\", "/"),
        work_pool_name=entry.work_pool,
        source=source,
        branch=entry.branch,
        parameters=dict(entry.parameters),
        parameter_schema=schema,
        schedules=[deployment_schedule(s, default_timezone) for s in entry.schedules],
        tags=list(entry.tags),
        description=entry.description,
        version=entry.version,
        is_paused=entry.paused,
        concurrency_limit=entry.concurrency_limit,
        watchdog_running_after_seconds=(
            None
            if entry.watchdog_running_after is None
            else entry.watchdog_running_after.total_seconds()
        ),
    )


def apply_entries(
    client: CauceClient, entries: list[DeploymentEntry], root: Path, default_timezone: str
) -> list[Deployment]:
    """Apply every entry. All are read and checked first (entrypoint, schedules, default
    parameters, pool) by the same functions the core uses, so that a bad entry stops the
    command before any deployment is written."""
    deployments = [deployment_from_entry(e, root, default_timezone) for e in entries]
    for deployment in deployments:
        preflight(client, deployment)
    return [client.apply_deployment(deployment) for deployment in deployments]


def preflight(client: CauceClient, deployment: Deployment) -> None:
    """Raise ClientError, in the words the core would use, for what it would refuse."""
    from cauce.client.base import ClientError, NotFound

    check_deployment(deployment)
    try:
        client.read_work_pool(deployment.work_pool_name)
    except NotFound:
        name, pool = deployment.full_name, deployment.work_pool_name
        raise ClientError(
            f"deployment {name!r}: work pool {pool!r} does not exist "
            f"(create it with `cauce work-pool create {pool}`)"
        ) from None


def check_deployment(deployment: Deployment) -> None:
    """Raise ClientError for what the core would refuse before it looks at the store (a
    schedule, a default parameter, a limit), in its words; the pool is `preflight`'s."""
    from cauce.client.base import ClientError
    from cauce.orchestration import deployment_checks
    from cauce.orchestration.errors import InvalidRequest

    try:
        deployment_checks.check_deployment(deployment, datetime.now(UTC))
    except InvalidRequest as exc:
        raise ClientError(str(exc)) from None
