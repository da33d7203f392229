"""The input a paused flow run waits for, as Prefect's `prefect.input`.

`pause_flow_run(wait_for_input=Approval)`, with `class Approval(RunInput)`, pauses the
run asking for Approval's fields; whoever resumes it must bring input they accept
(`resume_flow_run(id, run_input={...})`, `cauce flow-run resume ID --input JSON`, the
UI's form), and pause_flow_run returns it as an Approval. A pydantic model is asked for
as a RunInput of its fields; any other type (`bool`, `str`, `list[int]`...) as a RunInput
of one field, `value`, and pause_flow_run returns the value itself.

Left out: sending input between runs (`send_input`, `receive_input`, `respond`), keysets
and `with_initial_data`.
"""

from __future__ import annotations

from inspect import isclass
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model


class RunInput(BaseModel):
    """The fields a paused flow run asks for: subclass it and pass it as `wait_for_input`."""

    model_config = ConfigDict(extra="forbid")


class AutomaticRunInput(RunInput):
    """One value of any type, asked for as the field `value` (Prefect's name for it)."""

    value: Any


def run_input_class(wait_for_input: Any) -> type[RunInput]:
    """The RunInput asked for by `wait_for_input`: itself, a pydantic model's fields, or
    any other type as the one field `value`."""
    if isclass(wait_for_input) and issubclass(wait_for_input, RunInput):
        return wait_for_input
    if isclass(wait_for_input) and issubclass(wait_for_input, BaseModel):
        name = f"{wait_for_input.__name__}RunInput"
        return type(name, (RunInput, wait_for_input), {})
    name = getattr(wait_for_input, "__name__", "Value")
    model: type[RunInput] = create_model(
        f"{name}Input", __base__=AutomaticRunInput, value=(wait_for_input, ...)
    )
    return model


def input_value(run_input_class: type[RunInput], data: dict[str, Any]) -> Any:
    """What pause_flow_run returns for the resume's input `data`: the RunInput, or the
    value itself when the type asked for was not a model."""
    run_input = run_input_class.model_validate(data)
    if isinstance(run_input, AutomaticRunInput):
        return run_input.value
    return run_input


__all__ = ["RunInput"]
