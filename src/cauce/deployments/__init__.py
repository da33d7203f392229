"""Deployments from a project: the flows in it, cauce.yaml, and the same from Python.

    discovery.py         find flow entrypoints by reading source (never importing it)
    parameter_schema.py  a flow's parameters as JSON Schema, from source or function
    cauce_yaml.py        the project file where `cauce deploy` keeps its answers
    prompts.py           the questions `cauce deploy` asks at a terminal
    apply.py             cauce.yaml entries to stored deployments, checked first
    from_code.py         flow.deploy(), flow.from_source(), cauce.deploy(), run_deployment()

`run_deployment` is here as in Prefect (`cauce.deployments.run_deployment`).
"""

from cauce.deployments.from_code import run_deployment

__all__ = ["run_deployment"]
