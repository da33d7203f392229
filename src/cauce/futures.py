"""Futures of submitted task runs, and waiting on many of them.

A submitted run's future carries its RecordGuard: the run's engine and its flow run,
which may end it from outside, both hold the future.
"""

from __future__ import annotations

import concurrent.futures
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar

from cauce.schemas.task_runs import TaskRun
from cauce.states import State

R = TypeVar("R")


class RecordGuard:
    """Who records a submitted task run: its engine, until the run's flow run is stopped
    (SIGTERM, Ctrl-C) and records how the run ended itself, without waiting for it.

    From then on the engine's states are dropped: the run has one writer at a time.
    """

    __slots__ = ("lock", "taken_over")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken_over = False


class TaskRunFuture(Generic[R]):
    """A task run started with `.submit()`: wait for it, read its state or its result."""

    def __init__(
        self,
        task_run: TaskRun,
        future: concurrent.futures.Future[State],
        guard: RecordGuard | None = None,
    ) -> None:
        self.task_run = task_run
        self._future = future
        self.guard = guard
        # Whether user code has seen this run's failure; an unseen failure fails the flow.
        self.failure_seen = False

    @property
    def task_run_id(self) -> uuid.UUID:
        return self.task_run.id

    @property
    def state(self) -> State:
        """The task run's state now: final once it has finished.

        Looking at the final state of a failed run counts as handling the failure:
        it no longer fails the flow run on its own. So does asking for its result.
        """
        state = self._current_state()
        if state.is_final() and not state.is_completed():
            self.failure_seen = True
        return state

    def _current_state(self) -> State:
        future = self._future
        if future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        # Not finished, never started (cancelled), or ended by an interruption
        # recorded on the run.
        return self.task_run.state

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task run has finished, or `timeout` seconds have passed."""
        concurrent.futures.wait([self._future], timeout=timeout)

    def final_state(self, timeout: float | None = None) -> State:
        """Wait for the run to finish and return its final state (see `state`)."""
        self.wait(timeout)
        if not self._future.done():
            raise TimeoutError(f"Task run {self.task_run.name!r} did not finish in {timeout} s")
        return self.state

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        """The task's return value; raises its exception if it failed."""
        value: R = self.final_state(timeout).result(raise_on_failure=raise_on_failure)
        return value

    def failed_unseen(self) -> State | None:
        """The final state of a run that failed without user code looking; else None."""
        state = self._current_state()
        if state.is_completed() or self.failure_seen:
            return None
        return state

    def done(self) -> bool:
        return self._future.done()

    def add_done_callback(self, fn: Callable[[TaskRunFuture[R]], object]) -> None:
        """Call `fn(self)` once the run has finished or was cancelled before it started
        (at once if that has already happened), in the thread that ended it."""
        self._future.add_done_callback(lambda _: fn(self))

    def cancel(self) -> bool:
        """Keep the run from starting if it has not started yet; True when it never will."""
        return self._future.cancel()

    def __repr__(self) -> str:
        return f"TaskRunFuture({self.task_run.name!r}, state={self._current_state()!r})"


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


def as_completed(
    futures: Iterable[TaskRunFuture[R]], timeout: float | None = None
) -> Iterator[TaskRunFuture[R]]:
    """Yield each future as its run finishes, first finished first; TimeoutError when
    some have not finished `timeout` seconds after the call."""
    by_outcome = {f._future: f for f in futures}
    for outcome in concurrent.futures.as_completed(by_outcome, timeout=timeout):
        yield by_outcome[outcome]


def resolve_futures_to_states(expr: Any) -> Any:
    """`expr` with every future, also inside lists, tuples, sets and dicts, replaced by
    its final state (waiting for it)."""
    return _replace_futures(expr, lambda f: f.final_state())


def resolve_futures_to_results(expr: Any) -> Any:
    """`expr` with every future, also inside lists, tuples, sets and dicts, replaced by
    its result (waiting for it; a failed run raises its exception)."""
    return _replace_futures(expr, lambda f: f.result())


def _replace_futures(expr: Any, replace: Callable[[TaskRunFuture[Any]], Any]) -> Any:
    if isinstance(expr, TaskRunFuture):
        return replace(expr)
    if isinstance(expr, list | tuple | set):
        return type(expr)(_replace_futures(v, replace) for v in expr)
    if isinstance(expr, dict):
        return {k: _replace_futures(v, replace) for k, v in expr.items()}
    return expr


# Prefect's names, for code that imports them from `prefect.futures`.
PrefectFuture = TaskRunFuture
PrefectFutureList = TaskRunFutureList
PrefectConcurrentFuture = TaskRunFuture
