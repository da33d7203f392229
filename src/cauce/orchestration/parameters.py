"""Check a deployment run's parameters against the flow's parameter schema.

The schema is the JSON Schema that `cauce.deployments.parameter_schema` derives from
the flow's signature: an object whose properties are the parameters, each with a
JSON type when its annotation has one (`anyOf` for unions such as `int | None`)
and its default. The check happens where the run is created (the API, the CLI,
the embedded store) so that a bad value is refused before any run exists, with a
message naming the parameter. The flow's own validation (pydantic, in the run's
process) still coerces what JSON cannot say, such as dates.
"""

from __future__ import annotations

from typing import Any

from cauce.schemas.json_types import type_refusal


class ParameterError(ValueError):
    """A parameter that the flow does not take, lacks, or has the wrong type; one line."""


def check_parameters(
    schema: dict[str, Any], parameters: dict[str, Any], complete: bool = True
) -> None:
    """Raise ParameterError for the first parameter that the schema refuses.

    With `complete` (a run's parameters), every parameter without a default must be
    there; without (a deployment's defaults), the run may bring them later. An empty
    schema (a deployment made without one) accepts anything.
    """
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties and not schema.get("required"):
        return
    for name, value in parameters.items():
        spec = properties.get(name)
        if spec is None:
            takes = ", ".join(properties) or "no parameters"
            raise ParameterError(f"unknown parameter {name!r} (the flow takes: {takes})")
        refusal = type_refusal(spec, value)
        if refusal is not None:
            raise ParameterError(f"parameter {name!r} {refusal}")
    missing = [name for name in schema.get("required", []) if name not in parameters]
    if complete and missing:
        raise ParameterError(f"parameter {missing[0]!r} is required and has no default")
