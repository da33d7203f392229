"""`result_storage_key`: a task's result kept in its result storage under a file name
the user templates, as Prefect's "latest-summary-{parameters[label]}".

The template is formatted with `parameters` (the run's arguments) and the
`cauce.runtime` modules (`{task_run.name}`, `{flow_run.id}`, `{deployment.name}`).
As in Prefect the key is also the run's cache key: a run whose key already has an
unexpired result loads it and ends Cached instead of running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cauce.cache_policies import CachePolicy

if TYPE_CHECKING:
    from cauce.context import TaskRunContext


@dataclass(frozen=True)
class StorageKey(CachePolicy):
    """The cache policy of a task with a `result_storage_key`: the formatted template."""

    template: str

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        """The template filled in for this run, read inside the run's context."""
        from cauce.context import task_run_context
        from cauce.runtime import deployment, flow_run, task_run

        token = task_run_context.set(task_ctx)
        try:
            return self.template.format(
                parameters=dict(inputs),
                task_run=task_run,
                flow_run=flow_run,
                deployment=deployment,
            )
        finally:
            task_run_context.reset(token)
