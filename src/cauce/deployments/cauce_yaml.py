"""cauce.yaml: the project file where `cauce deploy` keeps its answers, also edited by hand.

The file sits at the project root (`find_cauce_yaml` looks upward for it) and
holds one entry per deployment::

    # cauce.yaml: one entry per deployment; `cauce deploy --all --no-prompt` applies them all.
    deployments:
      - name: printear-mensaje              # required; unique per flow
        entrypoint: basic.py:basic_flow     # required; path relative to this file
        work_pool: compras-prod             # required
        source: .                           # optional: a folder or a git URL; default "."
        branch: main                        # optional, git sources only
        parameters: {mensaje: hola}         # optional: default parameters
        schedules:                          # optional; each one of cron / interval / rrule
          - cron: "30 1,13,17 * * *"
            timezone: America/Argentina/Buenos_Aires
            active: true                    # optional, default true
          - interval: 3600                  # seconds, or a duration like 1h / 30m
            anchor: "2026-01-01T09:00:00"   # optional
            timezone: Europe/Madrid
            parameters: {mensaje: chau}     # optional: this schedule's runs take them
          - rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"
        tags: [compras]
        description: Imprime un mensaje
        version: "1.0"
        paused: false
        concurrency_limit: 1                # optional
        watchdog_running_after: 6h          # optional; the watchdog's limit for this deployment

Field by field, for each deployment:

- `name` (text, required): the deployment's name. Two entries may share a name
  only if their entrypoints differ, since a deployment is named within its flow.
- `entrypoint` (text, required): `path/to/file.py:function_name`, the path
  relative to the folder holding cauce.yaml.
- `work_pool` (text, required): the work pool whose workers run it.
- `source` (text, default `.`): where the code comes from, a folder relative to
  cauce.yaml or a git URL.
- `branch` (text): the branch to check out, for git sources.
- `parameters` (mapping): default values for the flow's parameters.
- `schedules` (list): each schedule has exactly one of `cron` (text, five
  fields), `interval` (seconds, or a duration such as `90`, `30m`, `2h`, `1h30m`)
  or `rrule` (an RFC 5545 rule, text); and optionally `timezone` (an IANA name;
  when absent the caller's default time zone applies), `active` (true or false,
  default true), `parameters` (a mapping, as the deployment's: the runs this
  schedule makes take them over the deployment's `parameters`, as in Prefect's
  prefect.yaml) and, for intervals only, `anchor` (a date and time the intervals
  count from, such as `2026-01-01T09:00:00`).
- `tags` (list of text), `description` (text), `version` (text: quote numbers
  such as `"1.0"`).
- `paused` (true or false, default false): created paused, scheduling no runs.
- `concurrency_limit` (a whole number, 1 or more): at most this many runs at once.
- `watchdog_running_after` (a duration): how long a run may stay Running before
  the watchdog acts, for this deployment.

An empty value (`description:`) is the same as leaving the key out.

This module decides the shape of the file: its keys, their types, whether a
time zone exists, and a one-line error naming the file and line for anything
else. It leaves to its callers whether a cron expression is valid, whether the
entrypoint names a flow (`discovery.load_entrypoint`), which time zone
`timezone: None` means, and what a source is.

Long because this docstring is the format's reference, which the README quotes;
the code is under 500 lines, reading and writing side by side so that a key added
to one is seen missing from the other (a round-trip test sets every field).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from cauce.settings.durations import format_duration, parse_duration

FILE_NAME = "cauce.yaml"
HEADER = (
    "# cauce.yaml: one entry per deployment; `cauce deploy --all --no-prompt` applies them all.\n"
)
_SCHEDULE_KINDS = ("cron", "interval", "rrule")


class CauceYamlError(ValueError):
    """What is wrong with a cauce.yaml, in one line that starts with `file:line:`."""


@dataclass(frozen=True)
class ScheduleEntry:
    """One schedule of a deployment: exactly one of cron, interval_seconds or rrule."""

    cron: str | None = None
    interval_seconds: float | None = None
    rrule: str | None = None
    timezone: str | None = None  # None: the default time zone, which the caller resolves
    active: bool = True
    anchor: datetime | None = None  # intervals only: the time they count from
    # Its runs take these over the deployment's parameters.
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        kinds = [self.cron, self.interval_seconds, self.rrule]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("a schedule has exactly one of cron, interval_seconds or rrule")
        if self.anchor is not None and self.interval_seconds is None:
            raise ValueError("anchor is for interval schedules only")


@dataclass(frozen=True)
class DeploymentEntry:
    """One deployment as cauce.yaml records it; the fields follow the file's keys."""

    name: str
    entrypoint: str
    work_pool: str
    source: str = "."
    branch: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)
    schedules: tuple[ScheduleEntry, ...] = ()
    tags: tuple[str, ...] = ()
    description: str | None = None
    version: str | None = None
    paused: bool = False
    concurrency_limit: int | None = None
    watchdog_running_after: timedelta | None = None


def find_cauce_yaml(start: Path) -> Path | None:
    """The nearest cauce.yaml in `start` or a folder above it (the project root), or None."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / FILE_NAME).is_file():
            return candidate / FILE_NAME
    return None


def load_cauce_yaml(path: Path) -> list[DeploymentEntry]:
    """The deployments in the cauce.yaml at `path`, in file order; [] for an empty file.

    Raises CauceYamlError (naming the file and line) for anything the format does
    not allow, and OSError when the file cannot be read.
    """
    reader, document = _compose(path)
    if document is None:
        return []
    top = reader.fields(document, "at the top level", ("deployments",))
    if "deployments" not in top:
        return []
    listed = top["deployments"]
    if not isinstance(listed, yaml.SequenceNode):
        raise reader.fail(listed, f"'deployments' must be a list, got {reader.shown(listed)}")
    entries: list[DeploymentEntry] = []
    first_line: dict[tuple[str, str], int] = {}
    for index, node in enumerate(listed.value, start=1):
        entry = _deployment(reader, node, index)
        key = _identity(entry)
        if key in first_line:
            raise reader.fail(
                node,
                f"deployment '{entry.name}' for {entry.entrypoint} is already defined"
                f" at line {first_line[key]}",
            )
        first_line[key] = _line(node)
        entries.append(entry)
    return entries


def save_deployment(path: Path, entry: DeploymentEntry) -> None:
    """Add `entry` to the cauce.yaml at `path`, or replace the one with its name and entrypoint.

    Other entries keep their place and the file's leading comment is kept; other
    comments are not (entries are written again from their values). A missing
    file is created with a header comment. An existing file that does not load
    raises CauceYamlError and is left as it is.
    """
    if path.exists():
        entries = load_cauce_yaml(path)
        raw = path.read_bytes().decode("utf-8-sig")
        header = _leading_comment(raw) if raw.strip() else HEADER
        newline = "\r\n" if "\r\n" in raw else "\n"
    else:
        entries, header, newline = [], HEADER, "\n"
    if any(_identity(old) == _identity(entry) for old in entries):
        entries = [entry if _identity(old) == _identity(entry) else old for old in entries]
    else:
        entries.append(entry)
    text = header + _dump(entries)
    # Written beside the file, then moved over it: an interrupted save leaves the old file.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline=newline)
    partial.replace(path)


# Reading ------------------------------------------------------------------------------


class _Reader:
    """Turns composed YAML nodes into values, failing with the file name and the node's line."""

    def __init__(self, path: Path, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader

    def fail(self, node: yaml.Node, message: str) -> CauceYamlError:
        return CauceYamlError(f"{self.path}:{_line(node)}: {message}")

    def value(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            raise self.fail(node, f"invalid YAML: {exc.problem or exc.context}") from None
        except ValueError as exc:  # e.g. an unquoted timestamp with month 13
            raise self.fail(node, f"invalid value {self.shown(node)}: {exc}") from None

    def shown(self, node: yaml.Node) -> str:
        """How a value is named in a message: `'maybe'`, `1.0`, `a list`."""
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        value = self.value(node)
        if value is None:
            return "nothing"
        return repr(value) if isinstance(value, str) else str(node.value)

    def fields(self, node: yaml.Node, where: str, known: Collection[str]) -> dict[str, yaml.Node]:
        """A mapping's values by key, without empty ones; unknown or repeated keys fail."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"expected a mapping {where}, got {self.shown(node)}")
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = _key(key_node)
            if key in seen:
                raise self.fail(key_node, f"key '{key}' appears twice {where}")
            seen.add(key)
        try:
            self.loader.flatten_mapping(node)  # YAML merge keys (`<<: *defaults`) first
        except yaml.MarkedYAMLError as exc:
            raise self.fail(node, f"invalid YAML: {exc.problem or exc.context}") from None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:  # a key of the mapping's own beats a merged one
            key = _key(key_node)
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise self.fail(key_node, f"unknown key '{key}' {where}{hint}")
            found[key] = value_node
        return {key: value for key, value in found.items() if not _is_null(value)}


def _compose(path: Path) -> tuple[_Reader, yaml.Node | None]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CauceYamlError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    loader = yaml.SafeLoader(text)
    try:
        return _Reader(path, loader), loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"{mark.line + 1}:{mark.column + 1}:" if mark else ""
        problem = exc.problem or exc.context or "not YAML"
        raise CauceYamlError(f"{path}:{place} invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # a character YAML does not allow, before any parsing
        raise CauceYamlError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None


_Convert = Callable[[_Reader, yaml.Node, str], Any]


def _deployment(reader: _Reader, node: yaml.Node, index: int) -> DeploymentEntry:
    name = _name_for_messages(node)
    owner = f"deployment '{name}'" if name else f"deployment #{index}"
    fields = reader.fields(node, f"in {owner}", _DEPLOYMENT_FIELDS)
    for required in ("name", "entrypoint", "work_pool"):
        if required not in fields:
            raise reader.fail(node, f"{owner} has no '{required}' (required)")
    values: dict[str, Any] = {}
    for key, value_node in fields.items():
        convert = _DEPLOYMENT_FIELDS[key]
        where = owner if key == "schedules" else f"{owner}: '{key}'"
        values[key] = convert(reader, value_node, where)
    return DeploymentEntry(**values)


def _name_for_messages(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "name" and isinstance(value_node, yaml.ScalarNode):
                return str(value_node.value) or None
    return None


def _schedules(reader: _Reader, node: yaml.Node, owner: str) -> tuple[ScheduleEntry, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise reader.fail(node, f"{owner}: 'schedules' must be a list, got {reader.shown(node)}")
    return tuple(
        _schedule(reader, item, f"schedule #{index} of {owner}")
        for index, item in enumerate(node.value, start=1)
    )


def _schedule(reader: _Reader, node: yaml.Node, owner: str) -> ScheduleEntry:
    fields = reader.fields(node, f"in {owner}", _SCHEDULE_FIELDS)
    kinds = [kind for kind in _SCHEDULE_KINDS if kind in fields]
    if not kinds:
        raise reader.fail(node, f"{owner} needs one of cron, interval or rrule")
    if len(kinds) > 1:
        both = f"{', '.join(kinds[:-1])} and {kinds[-1]}"
        raise reader.fail(node, f"{owner} has {both}; give only one")
    if "anchor" in fields and kinds != ["interval"]:
        raise reader.fail(fields["anchor"], f"{owner}: 'anchor' is for interval schedules only")
    values = {
        key: _SCHEDULE_FIELDS[key](reader, value_node, f"{owner}: '{key}'")
        for key, value_node in fields.items()
    }
    if "interval" in values:
        values["interval_seconds"] = values.pop("interval")
    return ScheduleEntry(**values)


def _text(reader: _Reader, node: yaml.Node, where: str) -> str:
    value = reader.value(node)
    if isinstance(value, str) and value.strip():
        return value
    quote = not isinstance(value, str | list | dict) and isinstance(node, yaml.ScalarNode)
    hint = f' (put it in quotes: "{node.value}")' if quote else ""
    raise reader.fail(node, f"{where} must be text, got {reader.shown(node)}{hint}")


def _checked(expected: str, accepts: Callable[[Any], bool]) -> _Convert:
    """A converter that takes the YAML value as it is when `accepts` it."""

    def convert(reader: _Reader, node: yaml.Node, where: str) -> Any:
        value = reader.value(node)
        if accepts(value):
            return value
        raise reader.fail(node, f"{where} must be {expected}, got {reader.shown(node)}")

    return convert


_flag = _checked("true or false", lambda value: isinstance(value, bool))
_limit = _checked("a whole number, 1 or more", lambda value: type(value) is int and value >= 1)
_parameters = _checked(
    "a mapping of parameter names to values",
    lambda value: isinstance(value, dict) and all(isinstance(key, str) for key in value),
)
_tag_list = _checked(
    "a list of text",
    lambda value: isinstance(value, list) and all(isinstance(tag, str) and tag for tag in value),
)


def _tags(reader: _Reader, node: yaml.Node, where: str) -> tuple[str, ...]:
    return tuple(_tag_list(reader, node, where))


def _duration(reader: _Reader, node: yaml.Node, where: str) -> timedelta:
    value = reader.value(node)
    duration: timedelta | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        duration = timedelta(seconds=value)
    elif isinstance(value, str):
        try:
            duration = parse_duration(value)
        except ValueError:
            duration = None
    if duration is None or duration <= timedelta(0):
        expected = "a duration above zero, such as 90, 30m or 2h"
        raise reader.fail(node, f"{where} must be {expected}, got {reader.shown(node)}")
    return duration


def _interval(reader: _Reader, node: yaml.Node, where: str) -> float:
    from cauce.orchestration.schedule_input import interval_seconds
    from cauce.orchestration.schedules import ScheduleError

    try:
        return interval_seconds(reader.value(node))
    except ScheduleError as exc:
        raise reader.fail(node, f"{where}: {exc}") from None


def _anchor(reader: _Reader, node: yaml.Node, where: str) -> datetime:
    value = reader.value(node)
    if isinstance(value, datetime):  # unquoted, YAML reads the timestamp itself
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    expected = "a date and time such as 2026-01-01T09:00:00"
    raise reader.fail(node, f"{where} must be {expected}, got {reader.shown(node)}")


def _timezone(reader: _Reader, node: yaml.Node, where: str) -> str:
    from cauce.orchestration.schedules import ScheduleError, resolve_timezone

    name = _text(reader, node, where)
    try:
        resolve_timezone(name)
    except ScheduleError as exc:
        raise reader.fail(node, f"{where}: {exc}") from None
    return name


# In the order the file documents them, which is also the order they are written in.
_DEPLOYMENT_FIELDS: dict[str, _Convert] = {
    "name": _text,
    "entrypoint": _text,
    "work_pool": _text,
    "source": _text,
    "branch": _text,
    "parameters": _parameters,
    "schedules": _schedules,
    "tags": _tags,
    "description": _text,
    "version": _text,
    "paused": _flag,
    "concurrency_limit": _limit,
    "watchdog_running_after": _duration,
}
_SCHEDULE_FIELDS: dict[str, _Convert] = {
    "cron": _text,
    "interval": _interval,
    "rrule": _text,
    "timezone": _timezone,
    "active": _flag,
    "anchor": _anchor,
    "parameters": _parameters,
}


def _identity(entry: DeploymentEntry) -> tuple[str, str]:
    """What makes two entries the same deployment: the name within the flow's entrypoint."""
    return entry.name, entry.entrypoint.replace("\\", "/")


def _key(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "?"


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


# Writing ------------------------------------------------------------------------------


class _Quoted(str):
    """Text always written in double quotes: cron and rrule fields read better that way."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    """Block style, with list items indented under their key as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_quoted(dumper: _Dumper, text: _Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style='"')


_Dumper.add_representer(_Quoted, _represent_quoted)
# Mappings read by other loaders (`cauce migrate`'s, which note lines) are dict subclasses.
_Dumper.add_multi_representer(dict, yaml.SafeDumper.represent_dict)


def _dump(entries: list[DeploymentEntry]) -> str:
    document = {"deployments": [_entry_data(entry) for entry in entries]}
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    # A blank line between deployments. Only an entry's first key sits at this indent.
    text = text.replace("\n  - name: ", "\n\n  - name: ")
    return text.replace("deployments:\n\n", "deployments:\n", 1)


def _entry_data(entry: DeploymentEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": entry.name,
        "entrypoint": entry.entrypoint,
        "work_pool": entry.work_pool,
    }
    optional: dict[str, Any] = {
        "source": entry.source if entry.source != "." else None,
        "branch": entry.branch,
        "parameters": dict(entry.parameters),
        "schedules": [_schedule_data(schedule) for schedule in entry.schedules],
        "tags": list(entry.tags),
        "description": entry.description,
        "version": entry.version,
        "paused": entry.paused or None,
        "concurrency_limit": entry.concurrency_limit,
        "watchdog_running_after": (
            format_duration(entry.watchdog_running_after)
            if entry.watchdog_running_after is not None
            else None
        ),
    }
    data.update((key, value) for key, value in optional.items() if value not in (None, "", [], {}))
    return data


def _schedule_data(schedule: ScheduleEntry) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if schedule.cron is not None:
        data["cron"] = _Quoted(schedule.cron)
    if schedule.interval_seconds is not None:
        data["interval"] = _interval_text(schedule.interval_seconds)
    if schedule.rrule is not None:
        data["rrule"] = _Quoted(schedule.rrule)
    if schedule.anchor is not None:
        data["anchor"] = _Quoted(schedule.anchor.isoformat())
    if schedule.timezone is not None:
        data["timezone"] = schedule.timezone
    if not schedule.active:
        data["active"] = False
    if schedule.parameters:
        data["parameters"] = dict(schedule.parameters)
    return data


def _interval_text(seconds: float) -> str | float:
    """`1h` or `90s` when that reads back to the same seconds, else the number itself."""
    text = format_duration(timedelta(seconds=seconds))
    try:
        exact = parse_duration(text).total_seconds() == seconds
    except ValueError:
        exact = False
    return text if exact else seconds


def _leading_comment(text: str) -> str:
    """The comment lines (and blank lines among them) before the file's first content line."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and (
        not lines[count].strip() or lines[count].lstrip().startswith("#")
    ):
        count += 1
    kept = "".join(lines[:count]).replace("\r\n", "\n")
    if "#" not in kept:
        return ""
    return kept if kept.endswith("\n") else kept + "\n"
