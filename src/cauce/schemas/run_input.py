"""The input a paused run waits for, as its states carry it, and the check of a resume's input.

A run paused with `wait_for_input` is Paused with the input's JSON schema at the end of
its state's message; the resume that brings the input leaves it, as JSON, at the end of
the message of the state the run resumes to (Running, or Scheduled for a suspended run).
Messages are kept with every state, so the schema and the input need no table of their
own, and the resumed process reads its input with the state that resumed it.

The check is the core's, before the run moves: each field the schema names with a JSON
type (or an enum) must have it, every required field must be there, and no other field.
What JSON cannot say (a nested model, a date) the paused process's pydantic checks.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from cauce.states import State, StateType

_SCHEMA_MARK = " Input schema: "
_INPUT_MARK = "Resumed with input: "
_SCHEMA_PATTERN = re.compile(re.escape(_SCHEMA_MARK) + r"(\{.*\})$", re.DOTALL)
_INPUT_PATTERN = re.compile(re.escape(_INPUT_MARK) + r"(\{.*\})$", re.DOTALL)


class InputError(ValueError):
    """A resume's input that the paused run's schema refuses; one line naming the field."""


class ResumeRequest(BaseModel):
    """The body of a resume: the input asked for, when the run waits for some."""

    model_config = ConfigDict(extra="forbid")

    run_input: dict[str, Any] | None = None


def with_input_schema(message: str, schema: dict[str, Any]) -> str:
    """A Paused state's `message`, saying which fields it waits for and their schema."""
    fields = ", ".join(schema.get("properties", {})) or "no fields"
    compact = json.dumps(schema, separators=(",", ":"), sort_keys=True)
    return f"{message} Waiting for input ({fields}).{_SCHEMA_MARK}{compact}"


def input_schema(state: State) -> dict[str, Any] | None:
    """The schema of the input a Paused state waits for; None when it waits for none."""
    if state.type is not StateType.PAUSED or not state.message:
        return None
    found = _SCHEMA_PATTERN.search(state.message)
    return None if found is None else dict(json.loads(found.group(1)))


def resumed_message(message: str, run_input: dict[str, Any] | None) -> str:
    """The message of the state a run resumes to, carrying its input when it has one."""
    if run_input is None:
        return message
    return f"{_INPUT_MARK}{json.dumps(run_input, separators=(',', ':'), sort_keys=True)}"


def resumed_input(state: State) -> dict[str, Any] | None:
    """The input a resume left on the state it resumed the run to; None without one."""
    found = _INPUT_PATTERN.match(state.message or "")
    return None if found is None else dict(json.loads(found.group(1)))


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def check_input(schema: dict[str, Any], run_input: dict[str, Any]) -> None:
    """Raise InputError for the first field of `run_input` the schema refuses."""
    properties: dict[str, Any] = schema.get("properties", {})
    for name, value in run_input.items():
        spec = properties.get(name)
        if spec is None:
            asked = ", ".join(properties) or "no fields"
            raise InputError(f"unknown input field {name!r} (the run asks for: {asked})")
        if "enum" in spec and value not in spec["enum"]:
            raise InputError(f"input field {name!r} must be one of {spec['enum']}, got {value!r}")
        types = _allowed_types(spec)
        if types and not any(_is_type(value, t) for t in types):
            expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
            raise InputError(f"input field {name!r} must be {expected}, got {value!r}")
    missing = [name for name in schema.get("required", []) if name not in run_input]
    if missing:
        raise InputError(f"input field {missing[0]!r} is required")


def _allowed_types(spec: dict[str, Any]) -> list[str]:
    if isinstance(spec.get("type"), str):
        return [spec["type"]]
    types = [option.get("type") for option in spec.get("anyOf", [])]
    return [] if None in types else [t for t in types if isinstance(t, str)]


def _is_type(value: Any, json_type: str) -> bool:
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "array": list, "object": dict}.get(json_type)
    if expected is not None:
        return isinstance(value, expected)
    return value is None if json_type == "null" else True
