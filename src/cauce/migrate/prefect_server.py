"""Read a running Prefect 3 server's work pools, deployments and variables as cauce's.

Prefect's REST API lists each with `POST /api/{work_pools,deployments,variables}/filter`
and a body of `{"limit": ..., "offset": ...}` (at most 200 a page; sorted by name), and
says its version at `GET /api/admin/version`. Nothing is written here: `read` returns
cauce's WorkPool, cauce.yaml-style DeploymentEntry and StoredVariable objects, and
notes on what did not come along (job variables, work queues, pull steps other than
git_clone, schedule slugs, pool types other than process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cauce.deployments.cauce_yaml import DeploymentEntry, ScheduleEntry
from cauce.migrate.prefect_yaml import DEFAULT_POOL
from cauce.schemas.deployments import WorkPool
from cauce.schemas.variables import StoredVariable

PAGE_SIZE = 200  # the most Prefect's filters return at once


class PrefectServerError(ValueError):
    """The server could not be read as a Prefect server; the message is one line."""


@dataclass(frozen=True)
class ServerNote:
    """Something on the server that was not converted, and what to do about it."""

    subject: str
    advice: str


@dataclass
class ServerContents:
    """What a Prefect server holds, as cauce objects."""

    url: str
    version: str
    pools: list[WorkPool] = field(default_factory=list)
    deployments: list[DeploymentEntry] = field(default_factory=list)
    variables: list[StoredVariable] = field(default_factory=list)
    notes: list[ServerNote] = field(default_factory=list)


def api_url(url: str) -> str:
    """The API root of a server given as `http://host:4200` or `http://host:4200/api`."""
    url = url.rstrip("/")
    return url if url.endswith("/api") else f"{url}/api"


def read(url: str, timeout_seconds: float = 30) -> ServerContents:
    """Everything `read` converts, from the Prefect server at `url`."""
    import httpx

    root = api_url(url)
    try:
        with httpx.Client(base_url=root, timeout=timeout_seconds) as http:
            version = http.get("/admin/version")
            version.raise_for_status()
            contents = ServerContents(root, str(version.json()))
            for pool in _all(http, "work_pools"):
                contents.pools.append(_pool(pool, contents.notes))
            for deployment in _all(http, "deployments"):
                contents.deployments.append(_deployment(deployment, contents))
            for variable in _all(http, "variables"):
                tags = [str(tag) for tag in variable.get("tags") or []]
                contents.variables.append(StoredVariable(variable["name"], variable["value"], tags))
    except httpx.HTTPError as exc:
        raise PrefectServerError(f"{root}: cannot read it as a Prefect server ({exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise PrefectServerError(f"{root}: unexpected answer from the server ({exc})") from None
    return contents


def _all(http: Any, kind: str) -> list[dict[str, Any]]:
    """Every item of one kind, a page at a time."""
    items: list[dict[str, Any]] = []
    while True:
        response = http.post(f"/{kind}/filter", json={"limit": PAGE_SIZE, "offset": len(items)})
        response.raise_for_status()
        page = response.json()
        if not isinstance(page, list):
            raise ValueError(f"/{kind}/filter did not return a list")
        items += page
        if len(page) < PAGE_SIZE:
            return items


def _pool(data: dict[str, Any], notes: list[ServerNote]) -> WorkPool:
    name = str(data["name"])
    if data.get("type") != "process":
        advice = f"type {data.get('type')!r}: cauce's pools are process pools; created as one"
        notes.append(ServerNote(f"work pool {name!r}", advice))
    return WorkPool(
        name=name,
        description=data.get("description"),
        is_paused=bool(data.get("is_paused")),
        concurrency_limit=data.get("concurrency_limit"),
    )


def _deployment(data: dict[str, Any], contents: ServerContents) -> DeploymentEntry:
    owner = f"deployment {data['name']!r}"

    def note(subject: str, advice: str) -> None:
        contents.notes.append(ServerNote(f"{owner}: {subject}", advice))

    pool = data.get("work_pool_name")
    if not pool:
        note("work_pool_name", f"none (a served deployment): put in pool {DEFAULT_POOL!r}")
    if data.get("job_variables"):
        note("job_variables", "not converted: cauce pools have no job variables")
    if data.get("work_queue_name") not in (None, "default"):
        note("work_queue_name", "not converted: cauce pools have no queues")
    if data.get("path"):
        note("path", "not converted: the code is read from the migrated folder")
    source, branch = _source(data.get("pull_steps") or [], note)
    limit = data.get("concurrency_limit")
    return DeploymentEntry(
        name=str(data["name"]),
        entrypoint=str(data.get("entrypoint") or ""),
        work_pool=str(pool or DEFAULT_POOL),
        source=source,
        branch=branch,
        parameters=dict(data.get("parameters") or {}),
        schedules=_schedules(data.get("schedules") or [], note),
        tags=tuple(str(tag) for tag in data.get("tags") or ()),
        description=data.get("description") or None,
        version=data.get("version") or None,
        paused=bool(data.get("paused")),
        concurrency_limit=int(limit) if isinstance(limit, int) else None,
    )


def _source(steps: list[Any], note: Any) -> tuple[str, str | None]:
    source, branch = ".", None
    for step in steps:
        if not isinstance(step, dict) or len(step) != 1:
            continue
        [(action, options)] = step.items()
        kind = str(action).rsplit(".", 1)[-1]
        if kind == "git_clone" and isinstance(options, dict):
            source, branch = str(options.get("repository") or "."), options.get("branch")
        elif kind != "set_working_directory":
            note(f"pull step {kind}", "not converted: install requirements where the worker runs")
    return source, None if branch is None else str(branch)


def _schedules(items: list[Any], note: Any) -> tuple[ScheduleEntry, ...]:
    converted = []
    for item in items:
        try:
            converted.append(_schedule(item, note))
        except (TypeError, ValueError, AttributeError) as exc:
            note("schedule", f"not converted: {exc}")
    return tuple(converted)


def _schedule(item: dict[str, Any], note: Any) -> ScheduleEntry:
    schedule = item.get("schedule") or {}
    if item.get("slug") or item.get("max_scheduled_runs"):
        note("schedule options", "slug and max_scheduled_runs are not converted")
    if schedule.get("day_or") is False:
        note("schedule day_or", "not converted: cauce's cron matches day-of-month OR day-of-week")
    anchor = schedule.get("anchor_date")
    interval = schedule.get("interval")
    return ScheduleEntry(
        cron=schedule.get("cron"),
        interval_seconds=float(interval) if interval is not None else None,
        rrule=schedule.get("rrule"),
        timezone=schedule.get("timezone"),
        active=item.get("active") is not False,
        anchor=datetime.fromisoformat(anchor) if anchor else None,
        parameters=dict(item.get("parameters") or {}),
    )
