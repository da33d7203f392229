"""`cauce.runtime`: what code can read about the run it is in, as `prefect.runtime`.

Three modules, each read by attribute: `flow_run` (id, name, parameters, tags...),
`task_run` and `deployment`. `from cauce.runtime import flow_run` and
`import cauce.runtime.flow_run` both work. Outside a run, ids and names are None,
parameters an empty dict, tags an empty list.
"""

from cauce.runtime import deployment, flow_run, task_run

__all__ = ["deployment", "flow_run", "task_run"]
