"""Where a Prefect name lives in cauce: the same path with `cauce` for `prefect`.

cauce keeps Prefect's module paths (`prefect.runtime.flow_run` is
`cauce.runtime.flow_run`); prefect_dask's runner belongs in `cauce.task_runners`.
Other `prefect_*` packages (integrations) have no cauce path.
"""

from __future__ import annotations

_DASK = "prefect_dask"


def is_prefect(dotted: str) -> bool:
    """Whether `dotted` names Prefect or one of its `prefect_*` integrations (not `prefecture`)."""
    root = dotted.partition(".")[0]
    return root == "prefect" or root.startswith("prefect_")


def cauce_name(prefect_name: str) -> str | None:
    """The cauce module or name `prefect_name` becomes, or None where cauce has no place for it."""
    root, _, rest = prefect_name.partition(".")
    if root == "prefect":
        return "cauce" + (f".{rest}" if rest else "")
    if root == _DASK:
        # prefect_dask.task_runners.DaskTaskRunner and prefect_dask.DaskTaskRunner alike.
        if rest == "task_runners" or rest.startswith("task_runners."):
            rest = rest[len("task_runners.") :]
        return "cauce.task_runners" + (f".{rest}" if rest else "")
    return None
