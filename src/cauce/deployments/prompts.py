"""The questions `cauce deploy` asks at a terminal, in the order of the user guide's §4.

Each question validates its answer with the same function the core uses (an
entrypoint that names a flow, a cron expression field by field, a timezone with
close names suggested, a parameter of the flow's type), so a wrong answer is
asked again with the reason instead of failing after the last question.
questionary (on prompt_toolkit) draws the arrow-key lists; it is imported only
when a question is asked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cauce.deployments.discovery import FlowEntrypoint, SkippedFile, load_entrypoint

if TYPE_CHECKING:
    from cauce.schemas.deployments import DeploymentSchedule

MANUAL = "Enter a flow entrypoint manually"
CREATE_POOL = "Create a new work pool"
NO_SCHEDULE, CRON, INTERVAL, RRULE = "No schedule", "Cron", "Interval", "RRule"
CRON_HINT = "e.g. 30 1,13,17 * * * = every day at 1:30, 13:30 and 17:30"


class Cancelled(Exception):
    """The user left a question with Ctrl-C or Ctrl-D; nothing was written."""


def _ask(question: Any) -> Any:
    answer = question.ask()
    if answer is None:
        raise Cancelled("cancelled: nothing was deployed")
    return answer


def _validator(check: Callable[[str], object]) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        try:
            check(text)
        except ValueError as exc:
            return str(exc)
        return True

    return validate


def choose_flow(
    root: Path, found: list[FlowEntrypoint], skipped: list[SkippedFile]
) -> FlowEntrypoint:
    """Pick one of the flows found under `root` with the arrow keys, or type one; the
    files skipped are listed first, one line each with the reason."""
    import questionary

    for file in skipped:
        print(f"Skipped {file.path.as_posix()}: {file.reason}")

    width = max([len(f.function) for f in found] + [len("Flow Name")])
    choices: list[Any] = [
        questionary.Choice(f"{f.function.ljust(width)}  {f.path.as_posix()}", value=f)
        for f in found
    ]
    choices.append(questionary.Choice(MANUAL, value=None))
    title = f"Select a flow to deploy  ({'Flow Name'.ljust(width)}  Location)"
    chosen = _ask(questionary.select(title, choices=choices))
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    text = _ask(
        questionary.text(
            "Flow entrypoint (expected format path/to/file.py:function_name):",
            validate=_validator(lambda t: load_entrypoint(root, t)),
        )
    )
    return load_entrypoint(root, text)


def _text_or_default(message: str, default: str, check: Callable[[str], object]) -> str:
    """A typed answer, or `default` for Enter alone; stripped and checked.

    The default is a grey hint (a placeholder), not text in the field: typing
    replaces it, where a pre-filled field would have the typing appended to it.
    """
    import questionary
    from prompt_toolkit.formatted_text import FormattedText

    def check_or_default(text: str) -> None:
        check(text.strip() or default)

    text = _ask(
        questionary.text(
            message,
            validate=_validator(check_or_default),
            placeholder=FormattedText([("fg:ansibrightblack", default)]),
        )
    )
    return str(text).strip() or default


def deployment_name(default: str) -> str:
    """The deployment's name (Enter alone: `default`)."""

    def check(text: str) -> None:
        if not text:
            raise ValueError("the name cannot be empty")

    return _text_or_default("Deployment name:", default, check)


def schedule(default_timezone: str) -> DeploymentSchedule | None:
    """None, or the schedule the answers describe, each answer checked as it is typed."""
    import questionary

    from cauce.orchestration.schedule_input import interval_seconds, schedule_from_input
    from cauce.orchestration.schedules import resolve_timezone, validate_cron, validate_rrule

    kind = _ask(
        questionary.select(
            "Would you like to configure a schedule for this deployment?",
            choices=[NO_SCHEDULE, CRON, INTERVAL, RRULE],
        )
    )
    if kind == NO_SCHEDULE:
        return None
    cron = interval = rrule = None
    if kind == CRON:
        cron = _ask(
            questionary.text(f"Cron expression ({CRON_HINT}):", validate=_validator(validate_cron))
        )
    elif kind == INTERVAL:
        interval = _ask(
            questionary.text(
                "Run every (seconds, or a duration such as 30m or 2h):",
                validate=_validator(interval_seconds),
            )
        )
    else:
        rrule = _ask(
            questionary.text(
                "RRule (e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9):", validate=_validator(validate_rrule)
            )
        )
    timezone = _text_or_default(
        "Timezone (an IANA name; not UTC unless you mean it):", default_timezone, resolve_timezone
    )
    return schedule_from_input(timezone, cron=cron, interval=interval, rrule=rrule)


def parse_value(text: str, spec: dict[str, Any] | None = None) -> Any:
    """A parameter typed at the prompt or as `--param k=v`: JSON when it parses
    (`3`, `true`, `[1, 2]`, `"3"`), else the text itself.

    Where `spec` (the parameter's schema) says the value is a string, it is the text
    as typed (`42` is "42"), unless it is a JSON string (`"42"`, as the prompt shows
    defaults) or null for an optional one.
    """
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if is_text_parameter(spec):
        is_kept = isinstance(value, str) or (value is None and "null" in _schema_types(spec or {}))
        return value if is_kept else text
    return value


def is_text_parameter(spec: dict[str, Any] | None) -> bool:
    """Whether a parameter's schema takes only a string (or a string or null): its value
    typed as `42` is the text "42"."""
    types = _schema_types(spec or {})
    return "string" in types and types <= {"string", "null"}


def _schema_types(spec: dict[str, Any]) -> set[str]:
    """The JSON types a parameter's schema names (`type`, or each `anyOf` member's)."""
    members = spec.get("anyOf", [spec])
    return {m["type"] for m in members if isinstance(m, dict) and isinstance(m.get("type"), str)}


def parameters(schema: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Default parameters for the deployment: each of the flow's, prefilled with its
    default (or the value given by a flag); Enter keeps it."""
    import questionary

    from cauce.orchestration.parameters import check_parameters

    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return dict(given)
    if not _ask(questionary.confirm("Would you like to set default parameters?", default=False)):
        return dict(given)
    chosen = dict(given)
    for name, spec in properties.items():
        current = chosen.get(name, spec.get("default"))
        shown = "" if current is None and "default" not in spec else json.dumps(current)
        one = {"type": "object", "properties": {name: spec}, "required": []}

        def check(text: str, name: str = name, one: dict[str, Any] = one) -> None:
            check_parameters(one, {name: parse_value(text, one["properties"][name])})

        text = _ask(questionary.text(f"{name}:", default=shown, validate=_validator(check)))
        if text.strip() or name in schema.get("required", []):
            chosen[name] = parse_value(text, spec)
    return chosen


def work_pool(names: list[str]) -> tuple[str, bool]:
    """A pool from the store's, or a new one: its name and whether to create it."""
    import questionary

    if names:
        chosen = _ask(
            questionary.select(
                "Which work pool would you like to deploy this flow to?",
                choices=[*names, CREATE_POOL],
            )
        )
        if chosen != CREATE_POOL:
            return str(chosen), False

    def check(text: str) -> None:
        if not text.strip():
            raise ValueError("the name cannot be empty")
        if text.strip() in names:
            raise ValueError(f"work pool {text.strip()!r} already exists")

    text = _ask(questionary.text("Name of the new work pool:", validate=_validator(check)))
    return text.strip(), True
