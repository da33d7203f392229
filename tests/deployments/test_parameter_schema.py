"""A flow's parameter schema, the same whether read from the function or its source."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import textwrap
from typing import Any, Optional

import pytest

from cauce.deployments.parameter_schema import schema_from_function, schema_from_source
from cauce.orchestration.parameters import ParameterError, check_parameters


def basic_flow(mensaje: str = "Hola", veces: int = 1) -> None: ...


def typed(
    a: str,
    b: int | None = None,
    c: Optional[float] = 1.5,  # noqa: UP045  (users write it this way too)
    d: list[int] = [1, 2],  # noqa: B006
    e: dict[str, Any] | None = None,
    f: dt.date = dt.date(2026, 1, 1),
    g: bool = False,
    *args: Any,
    h: Any = "x",
    **kwargs: Any,
) -> None: ...


def from_source(fn: Any) -> dict[str, Any]:
    module = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    return schema_from_source(function)


class TestSchema:
    def test_the_guide_flow(self) -> None:
        assert schema_from_function(basic_flow) == {
            "type": "object",
            "properties": {
                "mensaje": {"title": "mensaje", "position": 0, "type": "string", "default": "Hola"},
                "veces": {"title": "veces", "position": 1, "type": "integer", "default": 1},
            },
            "required": [],
        }

    @pytest.mark.parametrize("fn", [basic_flow, typed])
    def test_source_and_function_agree(self, fn: Any) -> None:
        assert from_source(fn) == schema_from_function(fn)

    def test_types_defaults_and_what_is_left_out(self) -> None:
        properties = schema_from_function(typed)["properties"]
        assert properties["b"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
        assert properties["c"] == {
            "title": "c",
            "position": 2,
            "anyOf": [{"type": "number"}, {"type": "null"}],
            "default": 1.5,
        }
        assert properties["d"]["type"] == "array" and properties["d"]["default"] == [1, 2]
        assert "type" not in properties["f"] and "default" not in properties["f"]
        assert "args" not in properties and "kwargs" not in properties
        assert schema_from_function(typed)["required"] == ["a"]


class TestCheckParameters:
    schema = schema_from_function(typed)

    def test_good_values_pass(self) -> None:
        check_parameters(self.schema, {"a": "x", "b": None, "c": 2, "d": [], "f": "2026-02-01"})

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ({"a": 1}, "parameter 'a' must be a string, got 1"),
            ({"a": "x", "b": "3"}, "parameter 'b' must be an integer or null, got '3'"),
            ({"a": "x", "b": True}, "parameter 'b' must be an integer or null, got True"),
            ({"a": "x", "g": "no"}, "parameter 'g' must be true or false, got 'no'"),
            (
                {"a": "x", "zz": 1},
                "unknown parameter 'zz' (the flow takes: a, b, c, d, e, f, g, h)",
            ),
            ({}, "parameter 'a' is required and has no default"),
        ],
    )
    def test_a_bad_value_is_named(self, parameters: dict[str, Any], message: str) -> None:
        with pytest.raises(ParameterError) as raised:
            check_parameters(self.schema, parameters)
        assert str(raised.value) == message

    def test_an_empty_schema_takes_anything(self) -> None:
        check_parameters({}, {"anything": object()})
