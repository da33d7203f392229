"""A flow's parameter schema: the JSON Schema its deployment checks runs against.

Made two ways with one result: from the function itself (`flow.deploy()`, which
has it imported) and from its source by `ast` (`cauce deploy`, which never
imports the user's code). Each parameter is a property with its position, its
default when it has a JSON-able one, and a JSON type when its annotation maps
to one: `str`, `int`, `float`, `bool`, `list[...]`, `dict[...]`, `tuple`,
`X | None` / `Optional[X]` (an `anyOf` with null). Other annotations (dates,
pydantic models, `Any`) carry no type: the flow's own validation, in the run's
process, still checks and coerces them. Parameters without a default are
`required`; `*args` / `**kwargs` are left out.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin, get_type_hints

_JSON_TYPES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "tuple": "array",
    "set": "array",
    "dict": "object",
    "List": "array",
    "Tuple": "array",
    "Set": "array",
    "Dict": "object",
    "None": "null",
    "NoneType": "null",
}


def _schema(properties: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def _type_spec(types: list[str | None]) -> dict[str, Any]:
    """`{"type": t}` for one JSON type, `anyOf` for several, nothing if any is unknown."""
    if not types or None in types:
        return {}
    unique = list(dict.fromkeys(t for t in types if t is not None))
    if len(unique) == 1:
        return {"type": unique[0]}
    return {"anyOf": [{"type": t} for t in unique]}


def _json_default(value: Any) -> tuple[bool, Any]:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False, None
    return True, value


# --- from the function ---------------------------------------------------------------


def _runtime_types(annotation: Any) -> list[str | None]:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return [None]
    if annotation is None or annotation is type(None):
        return ["null"]
    origin = get_origin(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        return [t for arg in get_args(annotation) for t in _runtime_types(arg)]
    base = origin or annotation
    return [_JSON_TYPES.get(getattr(base, "__name__", ""))]


def schema_from_function(fn: Callable[..., Any]) -> dict[str, Any]:
    """The parameter schema of `fn`, read from its signature and annotations."""
    signature = inspect.signature(fn)
    try:
        hints = get_type_hints(fn)
    except Exception:
        hints = {}  # an annotation that does not resolve carries no type
    properties: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    named = [
        p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    for position, parameter in enumerate(named):
        spec: dict[str, Any] = {"title": parameter.name, "position": position}
        spec.update(_type_spec(_runtime_types(hints.get(parameter.name, parameter.annotation))))
        if parameter.default is parameter.empty:
            required.append(parameter.name)
        else:
            ok, default = _json_default(parameter.default)
            if ok:
                spec["default"] = default
        properties[parameter.name] = spec
    return _schema(properties, required)


# --- from the source ----------------------------------------------------------------


def _source_types(node: ast.expr | None) -> list[str | None]:
    if node is None:
        return [None]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _source_types(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return [None]
    if isinstance(node, ast.Constant) and node.value is None:
        return ["null"]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _source_types(node.left) + _source_types(node.right)
    if isinstance(node, ast.Subscript):
        name = _dotted_tail(node.value)
        if name in ("Optional",):
            return _source_types(node.slice) + ["null"]
        if name == "Union":
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return [t for part in parts for t in _source_types(part)]
        return [_JSON_TYPES.get(name)]
    return [_JSON_TYPES.get(_dotted_tail(node))]


def _dotted_tail(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def schema_from_source(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
    """The parameter schema of a function read from its source, without running it.

    A default that is not a literal (a call, a name) is left out, as one that is not
    JSON-able is from `schema_from_function`."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += arguments.defaults
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
    properties: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    for position, (argument, default) in enumerate(pairs):
        spec: dict[str, Any] = {"title": argument.arg, "position": position}
        spec.update(_type_spec(_source_types(argument.annotation)))
        if default is None:
            required.append(argument.arg)
        else:
            try:
                ok, value = _json_default(ast.literal_eval(default))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                ok, value = False, None
            if ok:
                spec["default"] = value
        properties[argument.arg] = spec
    return _schema(properties, required)
