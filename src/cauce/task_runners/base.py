"""What the engine asks of a task runner, and what it hands one to run.

A runner gets each submitted task run as a `SubmittedRun`: the thread pool calls it;
a runner that ships work to other processes (Dask) asks it for a picklable call
instead and hands back what that call returned, or the error that ended it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Container
from typing import Any, Protocol, runtime_checkable


class SubmittedRun(Protocol):
    """One submitted task run, as the engine hands it to a runner."""

    @property
    def key(self) -> str:
        """A name for the run, unique (`<task run name>-<id>`)."""

    @property
    def task_run_id(self) -> uuid.UUID: ...

    def __call__(self) -> None:
        """Run it here, in this thread, recording as it goes."""

    def shipment(
        self, shipped: Container[uuid.UUID]
    ) -> tuple[Callable[..., Any], tuple[Any, ...], list[uuid.UUID]]:
        """A picklable call that runs it in another process: `fn(*args, upstream)`, where
        `upstream` maps each listed id (runs in `shipped`, which it reads its inputs
        from) to what that run's own call returned."""

    def finish(self, returned: Any) -> None:
        """Record what the shipped call returned, ending the run."""

    def crash(self, error: BaseException) -> None:
        """Record the run Crashed: the shipped call never returned (its process died)."""


@runtime_checkable
class TaskRunner(Protocol):
    """Where a flow run's submitted task runs execute: any object with these methods
    (`isinstance(runner, TaskRunner)` checks that it has them)."""

    def duplicate(self) -> TaskRunner:
        """A fresh runner with the same options, for one flow run."""

    def submit(self, run: SubmittedRun) -> object:
        """Start `run`; it records its own end."""

    def shutdown(self) -> None:
        """Wait for the submitted runs and release what the runner holds."""

    def abandon(self) -> None:
        """The flow run was stopped and has recorded how its runs ended: stop what still
        runs without waiting for it, where that can be done from outside."""
