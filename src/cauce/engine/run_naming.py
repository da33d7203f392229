"""Run names from a callable `task_run_name` or `flow_run_name`, called as Prefect calls
them: inside the new run's context, so that the function reads the run's parameters,
id and provisional name through `cauce.runtime`.

Only a run whose name is a callable comes here; a template or the default name costs
nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cauce.context import FlowRunContext, TaskRunContext, flow_run_context, task_run_context

if TYPE_CHECKING:
    from cauce.flows import Flow
    from cauce.schemas.flow_runs import FlowRun
    from cauce.schemas.task_runs import TaskRun
    from cauce.tasks import Task


def task_run_name_from(task: Task[..., Any], task_run: TaskRun, parameters: dict[str, Any]) -> str:
    """What the task's `task_run_name` function returns for `task_run` (named `name-index`
    until then)."""
    assert callable(task.task_run_name)
    token = task_run_context.set(TaskRunContext(task, task_run, parameters))
    try:
        return str(task.task_run_name())
    finally:
        task_run_context.reset(token)


def flow_run_name_from(
    flow: Flow[..., Any], flow_run: FlowRun, parent: FlowRunContext | None
) -> str:
    """What the flow's `flow_run_name` function returns for `flow_run` (given a generated
    name until then); `parent` is the flow run it is a subflow of."""
    assert callable(flow.flow_run_name)
    token = flow_run_context.set(FlowRunContext(flow, flow_run, flow.task_runner, parent=parent))
    try:
        return str(flow.flow_run_name())
    finally:
        flow_run_context.reset(token)
