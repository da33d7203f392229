"""Convert a Prefect `prefect.yaml` into cauce.yaml entries, saying what could not come along.

What converts: each deployment's name, entrypoint, parameters, tags, description,
version, paused, concurrency limit, `work_pool.name`, its schedules (cron, interval
with its anchor date, rrule; timezone; active; parameters; Prefect 2's single
`schedule:`) and a `git_clone` pull step (the repository becomes the source, with its
branch). The deployment's own `pull` steps replace the file's, as in Prefect.

What does not is returned as notes with the line it is on: build and push steps,
other pull steps, job variables and work queues, schedule slugs, credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from cauce.deployments.cauce_yaml import DeploymentEntry, ScheduleEntry

FILE_NAME = "prefect.yaml"
# A deployment without a work pool (served, in Prefect) gets this one, with a note.
DEFAULT_POOL = "default"


class PrefectYamlError(ValueError):
    """A prefect.yaml that cannot be read as Prefect's format; the message is one line."""


@dataclass(frozen=True)
class Note:
    """Something in prefect.yaml that was not converted, where, and what to do about it."""

    line: int
    subject: str
    advice: str


@dataclass
class Conversion:
    """The cauce.yaml entries a prefect.yaml becomes, and what was left behind."""

    entries: list[DeploymentEntry] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class Lined(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on, and each key's."""

    line = 1
    key_lines: Mapping[Any, int] = MappingProxyType({})

    def line_of(self, key: str) -> int:
        """The line of `key` in the file (the mapping's own line if it is absent)."""
        return self.key_lines.get(key, self.line)


class LinedLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings are `Lined`: plain data, with the line of each key."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Lined:
    mapping = Lined(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value
    }
    return mapping


LinedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def convert(path: Path) -> Conversion:
    """The deployments of the prefect.yaml at `path` as cauce.yaml entries, with notes."""
    try:
        # LinedLoader is a SafeLoader: plain data only, like yaml.safe_load.
        document = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=LinedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise PrefectYamlError(f"{path.name}:{line}: not valid YAML") from exc
    if document is None:
        return Conversion()
    if not isinstance(document, Lined):
        raise PrefectYamlError(f"{path.name}:1: expected a mapping with 'deployments'")
    conversion = Conversion()
    for key in ("build", "push"):
        if document.get(key):
            conversion.notes.append(Note(document.line_of(key), f"{key} steps", _NO_BUILD))
    for index, deployment in enumerate(document.get("deployments") or [], start=1):
        if not isinstance(deployment, Lined):
            raise PrefectYamlError(f"{path.name}: deployment {index} is not a mapping")
        pull = deployment.get("pull", document.get("pull")) or []
        conversion.entries.append(_deployment(deployment, pull, conversion.notes))
    conversion.notes.sort(key=lambda note: note.line)
    return conversion


_NO_BUILD = "cauce builds and pushes nothing: run the worker where the code is installed."


def _deployment(data: Lined, pull: list[Any], notes: list[Note]) -> DeploymentEntry:
    name = str(data.get("name") or "")
    entrypoint = str(data.get("entrypoint") or "")
    if not name or not entrypoint:
        raise PrefectYamlError(f"{FILE_NAME}:{data.line}: a deployment needs a name and entrypoint")
    owner = f"deployment {name!r}"
    source, branch = _source(pull, owner, notes)
    return DeploymentEntry(
        name=name,
        entrypoint=entrypoint,
        work_pool=_work_pool(data, owner, notes),
        source=source,
        branch=branch,
        parameters=dict(data.get("parameters") or {}),
        schedules=_schedules(data, owner, notes),
        tags=tuple(str(tag) for tag in data.get("tags") or ()),
        description=_text(data.get("description")),
        version=_text(data.get("version")),
        paused=bool(data.get("paused") or False),
        concurrency_limit=_concurrency_limit(data.get("concurrency_limit")),
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _concurrency_limit(value: Any) -> int | None:
    if isinstance(value, dict):  # Prefect 3: {limit: 2, collision_strategy: ENQUEUE}
        value = value.get("limit")
    return int(value) if value is not None else None


def _work_pool(data: Lined, owner: str, notes: list[Note]) -> str:
    pool = data.get("work_pool")
    if not isinstance(pool, Lined) or not pool.get("name"):
        advice = f"no work pool named: set to {DEFAULT_POOL!r}; change it in cauce.yaml"
        notes.append(Note(data.line, f"{owner}: work_pool", advice))
        return DEFAULT_POOL
    for key in ("job_variables", "work_queue_name"):
        if pool.get(key):
            advice = "not converted: cauce pools have no queues or job variables"
            notes.append(Note(pool.line_of(key), f"{owner}: work_pool.{key}", advice))
    return str(pool["name"])


def _source(pull: list[Any], owner: str, notes: list[Note]) -> tuple[str, str | None]:
    source, branch = ".", None
    for step in pull:
        if not isinstance(step, Lined) or len(step) != 1:
            continue
        [(action, options)] = step.items()
        options = options if isinstance(options, Lined) else Lined()
        kind = str(action).rsplit(".", 1)[-1]
        if kind == "git_clone":
            source, branch = str(options.get("repository") or "."), options.get("branch")
            for key in ("access_token", "credentials"):
                if options.get(key):
                    advice = "not converted: cauce clones with the worker machine's git credentials"
                    notes.append(Note(options.line_of(key), f"{owner}: git_clone {key}", advice))
        elif kind != "set_working_directory":
            advice = "not converted: install requirements where the worker runs"
            notes.append(Note(step.line, f"{owner}: pull step {kind}", advice))
    return source, None if branch is None else str(branch)


def _schedules(data: Lined, owner: str, notes: list[Note]) -> tuple[ScheduleEntry, ...]:
    listed = data.get("schedules")
    if listed is None and data.get("schedule"):
        listed = [data["schedule"]]  # Prefect 2's single schedule
    schedules = []
    for schedule in listed or []:
        converted = _schedule(schedule, owner, notes)
        if converted is not None:
            schedules.append(converted)
    return tuple(schedules)


def _schedule(data: Any, owner: str, notes: list[Note]) -> ScheduleEntry | None:
    if not isinstance(data, Lined):
        return None
    for key in ("slug", "max_active_runs", "catchup"):
        if data.get(key):
            advice = "not converted: cauce schedules have no such option"
            notes.append(Note(data.line_of(key), f"{owner}: schedule {key}", advice))
    if data.get("day_or") is False:
        advice = "not converted: cauce's cron matches day-of-month OR day-of-week"
        notes.append(Note(data.line_of("day_or"), f"{owner}: schedule day_or", advice))
    interval = data.get("interval")
    try:
        return ScheduleEntry(
            cron=_text(data.get("cron")),
            interval_seconds=float(interval) if interval is not None else None,
            rrule=_text(data.get("rrule")),
            timezone=_text(data.get("timezone")),
            active=data.get("active") is not False,
            anchor=_anchor(data.get("anchor_date")),
            parameters=dict(data.get("parameters") or {}),
        )
    except (TypeError, ValueError) as exc:
        raise PrefectYamlError(f"{FILE_NAME}:{data.line}: {owner}: schedule: {exc}") from exc


def _anchor(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value))
