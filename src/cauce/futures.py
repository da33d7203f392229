"""Futures of submitted task runs, and waiting on many of them."""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Iterable
from typing import Any, Generic, NamedTuple, TypeVar

from cauce.schemas.task_runs import TaskRun
from cauce.states import State

R = TypeVar("R")


class TaskRunFuture(Generic[R]):
    """A task run started with `.submit()`: wait for it, read its state or its result."""

    def __init__(self, task_run: TaskRun, future: concurrent.futures.Future[State]) -> None:
        self.task_run = task_run
        self._future = future
        # Whether user code has seen this run's failure; an unseen failure fails the flow.
        self.failure_seen = False

    @property
    def task_run_id(self) -> uuid.UUID:
        return self.task_run.id

    @property
    def state(self) -> State:
        """The task run's state now: final once it has finished."""
        if self._future.done():
            return self._future.result()
        return self.task_run.state

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task run has finished, or `timeout` seconds have passed."""
        concurrent.futures.wait([self._future], timeout=timeout)

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        """The task's return value; raises its exception if it failed."""
        state = self._future.result(timeout=timeout)
        if raise_on_failure and not state.is_completed():
            self.failure_seen = True
        value: R = state.result(raise_on_failure=raise_on_failure)
        return value

    def done(self) -> bool:
        return self._future.done()

    def __repr__(self) -> str:
        return f"TaskRunFuture({self.task_run.name!r}, state={self.state!r})"


class TaskRunFutureList(list[TaskRunFuture[R]]):
    """The futures of a `.map()`: a list with `.result()` and `.wait()` over all of them."""

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> list[R]:
        return [f.result(timeout, raise_on_failure) for f in self]

    def wait(self, timeout: float | None = None) -> None:
        wait(self, timeout)


class DoneAndNotDone(NamedTuple):
    """The futures that finished and those that did not."""

    done: set[TaskRunFuture[Any]]
    not_done: set[TaskRunFuture[Any]]


def wait(futures: Iterable[TaskRunFuture[Any]], timeout: float | None = None) -> DoneAndNotDone:
    """Wait until every future has finished or `timeout` seconds have passed."""
    futures = list(futures)
    concurrent.futures.wait([f._future for f in futures], timeout=timeout)
    done = {f for f in futures if f.done()}
    return DoneAndNotDone(done, {f for f in futures if f not in done})
