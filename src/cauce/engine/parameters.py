"""Bind call arguments to parameters, and validate and coerce them from type hints.

Arguments that already have their hinted builtin type are taken as they are;
anything else goes through pydantic, imported only then.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

_PLAIN_TYPES = (str, int, float, bool, type(None))


class ParameterTypeError(TypeError):
    """Arguments to a flow do not match its parameters' type hints."""


class ParameterBinder:
    """The parameters of one function: binding calls and validating values, cached."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.signature = inspect.signature(fn)
        self._hints: dict[str, Any] | None = None
        self._validator: Any = None
        parameters = self.signature.parameters.values()
        # Plain parameters (no positional-only, *args or **kwargs) bind and call by name
        # without inspect's general machinery, which costs several times more.
        self._plain = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters)
        self._positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        self._defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
        self._names = frozenset(self.signature.parameters)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Arguments of a call by parameter name, with defaults filled in."""
        if (
            self._plain
            and len(args) <= len(self._positional)
            and self._names.issuperset(kwargs)
            and not kwargs.keys() & self._positional[: len(args)]
        ):
            bound = dict(zip(self._positional, args, strict=False))
            if not kwargs and len(bound) == len(self._names):
                return bound
            bound.update(kwargs)
            missing = self._names - bound.keys()
            if missing <= self._defaults.keys():
                for name in missing:
                    bound[name] = self._defaults[name]
                return {name: bound[name] for name in self.signature.parameters}
        bound_arguments = self.signature.bind(*args, **kwargs)  # raises TypeError, like a call
        bound_arguments.apply_defaults()
        return dict(bound_arguments.arguments)

    def call(self, parameters: dict[str, Any]) -> Any:
        """Call the function with `parameters` by name (positional-only and *args respected)."""
        if self._plain:
            return self.fn(**parameters)
        bound = inspect.BoundArguments(self.signature, parameters)  # type: ignore[arg-type,unused-ignore]
        return self.fn(*bound.args, **bound.kwargs)

    @property
    def hints(self) -> dict[str, Any]:
        if self._hints is None:
            try:
                hints = typing.get_type_hints(self.fn)
            except Exception:
                hints = {}
            self._hints = {
                name: hints[name]
                for name, p in self.signature.parameters.items()
                if name in hints
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and hints[name] is not Any
            }
        return self._hints

    def validate(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """`parameters` coerced to their type hints; ParameterTypeError names each bad one."""
        hints = self.hints
        if all(
            name not in hints or (hints[name] in _PLAIN_TYPES and type(value) is hints[name])
            for name, value in parameters.items()
        ):
            return parameters
        from pydantic import ValidationError

        validator = self._get_validator()
        to_check = {name: value for name, value in parameters.items() if name in hints}
        try:
            model = validator.model_validate(to_check)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']} "
                f"(got {error['input']!r})"
                for error in exc.errors()
            )
            raise ParameterTypeError(f"Invalid parameters: {problems}") from None
        return {**parameters, **{name: getattr(model, name) for name in to_check}}

    def _get_validator(self) -> Any:
        if self._validator is None:
            from pydantic import ConfigDict, create_model

            fields: dict[str, Any] = {}
            for name, hint in self.hints.items():
                default = self.signature.parameters[name].default
                fields[name] = (hint, ... if default is inspect.Parameter.empty else default)
            self._validator = create_model(
                f"{self.fn.__name__}_parameters",
                __config__=ConfigDict(arbitrary_types_allowed=True),
                **fields,
            )
        return self._validator


def jsonable_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters as stored: JSON values as they are, anything else as its repr."""
    try:
        json.dumps(parameters)
        return parameters
    except (TypeError, ValueError):
        converted: dict[str, Any] = json.loads(json.dumps(parameters, default=repr))
        return converted
