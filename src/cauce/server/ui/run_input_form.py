"""The Resume form of a run paused with wait_for_input, built from the input's schema.

A true-or-false field is a checkbox, any other a text box (a number is typed as text);
a list or mapping field is typed as JSON. What the form sends is turned back into the
input the core checks, so a refusal names the field as it does for the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cauce.schemas.run_input import InputError, input_schema
from cauce.states import State


@dataclass(frozen=True)
class InputField:
    """One field of the form: its name, JSON type, whether it must be given, its default."""

    name: str
    json_type: str
    required: bool
    default: str

    @property
    def is_checkbox(self) -> bool:
        return self.json_type == "boolean"


def input_fields(state: State) -> list[InputField] | None:
    """The fields a paused run asks for; None when it asks for no input."""
    schema = input_schema(state)
    if schema is None:
        return None
    required = set(schema.get("required", []))
    return [
        InputField(name, _json_type(spec), name in required, _shown(spec.get("default")))
        for name, spec in schema.get("properties", {}).items()
    ]


def input_from_form(fields: list[InputField], form: dict[str, str]) -> dict[str, Any]:
    """The input the form's values say; InputError for a value its field cannot take.
    An empty text box of a field that need not be given leaves it to its default."""
    given: dict[str, Any] = {}
    for field in fields:
        if field.is_checkbox:
            given[field.name] = field.name in form
            continue
        text = form.get(field.name, "")
        if text == "" and not field.required:
            continue
        given[field.name] = _value(field, text)
    return given


def _value(field: InputField, text: str) -> Any:
    if field.json_type == "string":
        return text
    try:
        return json.loads(text)
    except ValueError:
        if field.json_type in ("integer", "number", "array", "object"):
            kind = {"integer": "an integer", "number": "a number"}.get(field.json_type, "JSON")
            raise InputError(f"input field {field.name!r} must be {kind}, got {text!r}") from None
        return text


def _json_type(spec: dict[str, Any]) -> str:
    if isinstance(spec.get("type"), str):
        return str(spec["type"])
    types = [option.get("type") for option in spec.get("anyOf", []) if option.get("type")]
    named = [t for t in types if t != "null"]
    return str(named[0]) if len(named) == 1 else "json"


def _shown(default: Any) -> str:
    if default is None or isinstance(default, bool):
        return ""
    return default if isinstance(default, str) else json.dumps(default)
