"""The deployment page's "Run" form: one input per parameter of the flow's schema, and
the typed values read back from what was typed.

Each parameter's input follows its JSON type: text for a string, a number for an
integer or a number, a checkbox for a boolean, and a JSON textarea for anything else
(lists, mappings, unions). A nullable one (`int | None`) left empty is null. The
values read are then checked by the core, as the API checks them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cauce.schemas.deployments import Deployment

FIELD_PREFIX = "param:"
"""Before each parameter's name in the form, so no parameter meets another field's name."""

_KINDS = {"string": "text", "integer": "integer", "number": "number", "boolean": "checkbox"}
_HINTS = {"text": "text", "integer": "integer", "number": "number", "checkbox": "true or false"}
_OMIT = object()


class FormValueError(ValueError):
    """What was typed for a parameter cannot be read as its type; one line naming it."""


@dataclass(slots=True, frozen=True)
class RunField:
    """One parameter's input in the run form."""

    name: str
    kind: str
    """text, integer, number, checkbox or json."""
    value: str
    """The input's text; for a checkbox, "on" when checked."""
    required: bool
    nullable: bool

    @property
    def hint(self) -> str:
        """The type in words, for the input's label."""
        hint = _HINTS.get(self.kind, "JSON")
        return f"{hint} or empty for null" if self.nullable else hint


def _types(spec: Mapping[str, Any]) -> list[str]:
    declared = spec.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    return [o.get("type") for o in spec.get("anyOf", []) if isinstance(o.get("type"), str)]


def _kind(spec: Mapping[str, Any]) -> tuple[str, bool]:
    """The input kind for a parameter's schema, and whether it may be null."""
    types = _types(spec)
    nullable = "null" in types
    others = [t for t in types if t != "null"]
    if "anyOf" in spec and len(others) + nullable != len(spec["anyOf"]):
        return "json", False  # an option without a plain type: only JSON can say it
    kind = _KINDS.get(others[0], "json") if len(others) == 1 else "json"
    if kind == "checkbox" and nullable:
        return "json", False  # a checkbox cannot say null
    return kind, nullable and kind != "json"


def _shown(value: Any, kind: str) -> str:
    if kind == "checkbox":
        return "on" if value is True else ""
    if value is None:
        return ""
    if kind == "text" and isinstance(value, str):
        return value
    if kind in ("integer", "number") and isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def run_fields(deployment: Deployment) -> list[RunField]:
    """The form's inputs: each parameter the flow declares (then any other the deployment
    sets), prefilled with the deployment's value or else the flow's default."""
    schema = deployment.parameter_schema
    properties: dict[str, Any] = schema.get("properties", {})
    names = list(properties) + [n for n in deployment.parameters if n not in properties]
    required = set(schema.get("required", []))
    fields = []
    for name in names:
        spec = properties.get(name, {})
        kind, nullable = _kind(spec)
        if name in deployment.parameters:
            initial = deployment.parameters[name]
        else:
            initial = spec.get("default")
        needed = name in required and name not in deployment.parameters
        fields.append(RunField(name, kind, _shown(initial, kind), needed, nullable))
    return fields


def _number(raw: str) -> int | float:
    try:
        return int(raw)
    except ValueError:
        value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _read(field: RunField, raw: str | None) -> Any:
    """One input's value as its type; _OMIT to leave it to the deployment or the flow."""
    if field.kind == "checkbox":
        return raw is not None
    if raw is None:
        return _OMIT
    if field.kind == "text":
        return None if field.nullable and raw == "" else raw
    if not raw.strip():
        return None if field.nullable else _OMIT
    try:
        if field.kind == "integer":
            return int(raw)
        if field.kind == "number":
            return _number(raw)
        return json.loads(raw)
    except ValueError:
        expected = {"integer": "an integer", "number": "a number"}.get(field.kind, "JSON")
        raise FormValueError(f"parameter {field.name!r} must be {expected}, got {raw!r}") from None


def read_run_form(fields: list[RunField], form: Mapping[str, str]) -> dict[str, Any]:
    """The run's parameters from the submitted form; FormValueError names the first that
    cannot be read."""
    parameters = {}
    for field in fields:
        value = _read(field, form.get(FIELD_PREFIX + field.name))
        if value is not _OMIT:
            parameters[field.name] = value
    return parameters
