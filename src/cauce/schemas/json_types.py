"""Whether a JSON value has the type a JSON Schema property asks for, said in words.

Shared by the checks of a run's parameters and of a resume's input: each names what
it checks, this says what was wrong with the value.
"""

from __future__ import annotations

from typing import Any

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def type_refusal(spec: dict[str, Any], value: Any) -> str | None:
    """`must be <type>, got <value>` when `value` has none of the JSON types the
    property `spec` allows (`type`, or the types of `anyOf`); None when it has one, or
    the property names no type."""
    types = _allowed_types(spec)
    if not types or any(_is_type(value, t) for t in types):
        return None
    expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
    return f"must be {expected}, got {value!r}"


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
