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

from cauce.schemas.json_types import type_refusal
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
        refusal = type_refusal(spec, value)
        if refusal is not None:
            raise InputError(f"input field {name!r} {refusal}")
    missing = [name for name in schema.get("required", []) if name not in run_input]
    if missing:
        raise InputError(f"input field {missing[0]!r} is required")
