"""Task runs shipped to another process (a Dask worker): what goes there, what comes back.

The worker runs the task with the same engine, recording into a writer of its own
that never writes; its records travel back with the final state, and the flow's
process hands them to its batch writer. So the worker needs no access to the store
(any store works, and a worker started elsewhere needs no cauce settings), a task
Dask runs twice after losing a worker is recorded once, and a run whose worker died
leaves nothing behind but the Crashed state its flow's process records.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, cast

from cauce.client.base import CauceClient
from cauce.client.batch_writer import BatchWriter
from cauce.client.factory import get_batch_writer, recording_into
from cauce.context import flow_run_context
from cauce.engine.outcome import exception_summary
from cauce.engine.task_run import run_task_async, run_task_sync
from cauce.futures import RecordGuard, TaskRunFuture
from cauce.logging.run_logger import task_run_logger
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.settings import get_settings
from cauce.states import Crashed, State
from cauce.utilities.annotations import BaseAnnotation, quote

if TYPE_CHECKING:
    from cauce.tasks import Task

_Records = tuple[
    list[TaskRun], list[tuple[uuid.UUID, State]], list[LogEntry], dict[uuid.UUID, uuid.UUID]
]


@dataclass(slots=True)
class Upstream:
    """Stands in, in a shipped run's inputs, for the future of another shipped run."""

    task_run_id: uuid.UUID


@dataclass(slots=True)
class Returned:
    """What a shipped run brings back: its final state (or what escaped it) and records."""

    state: State | None
    error: BaseException | None
    records: _Records


class _Collector(BatchWriter):
    """A batch writer that only keeps: the records go back with the run's result."""

    def __init__(self) -> None:
        super().__init__(cast(CauceClient, None))  # it never writes

    def _wake_if_full(self) -> None:
        pass  # no writer thread

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass

    def records(self) -> _Records:
        return self._take()


def shipment(
    task: Task[..., Any],
    parameters: dict[str, Any],
    wait_for: list[Any],
    task_run: TaskRun,
    shipped: Container[uuid.UUID],
) -> tuple[Callable[..., Any], tuple[Any, ...], list[uuid.UUID]]:
    """`run_shipped` and its arguments; the ids of the shipped runs it takes inputs from.

    A future of a run in `shipped` becomes an `Upstream`; any other is waited for here.
    """
    upstream: list[uuid.UUID] = []
    parameters = {name: _ship(value, shipped, upstream) for name, value in parameters.items()}
    waits = [_ship(value, shipped, upstream) for value in wait_for]
    flow_context = flow_run_context.get()
    if task.log_prints is None and flow_context is not None and flow_context.log_prints:
        task = task.with_options(log_prints=True)  # the worker has no flow context to ask
    return run_shipped, (task, parameters, waits, task_run), upstream


def _ship(value: Any, shipped: Container[uuid.UUID], upstream: list[uuid.UUID]) -> Any:
    if isinstance(value, TaskRunFuture):
        if value.task_run.id in shipped:
            upstream.append(value.task_run.id)
            return Upstream(value.task_run.id)
        return value.final_state()
    if isinstance(value, BaseAnnotation) and not isinstance(value, quote):
        return value.rewrap(_ship(value.unwrap(), shipped, upstream))
    if isinstance(value, list | tuple | set):
        return type(value)(_ship(v, shipped, upstream) for v in value)
    if isinstance(value, dict):
        return {k: _ship(v, shipped, upstream) for k, v in value.items()}
    return value


def _fill(value: Any, upstream: Mapping[uuid.UUID, Returned]) -> Any:
    """`value` with each Upstream replaced by that run's final state."""
    if isinstance(value, Upstream):
        returned = upstream[value.task_run_id]
        if returned.state is None:
            error = returned.error or RuntimeError("no state")
            return Crashed(f"Upstream run ended without a state: {exception_summary(error)}")
        return returned.state
    if isinstance(value, BaseAnnotation) and not isinstance(value, quote):
        return value.rewrap(_fill(value.unwrap(), upstream))
    if isinstance(value, list | tuple | set):
        return type(value)(_fill(v, upstream) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, upstream) for k, v in value.items()}
    return value


_logging_ready = False


def run_shipped(
    task: Task[..., Any],
    parameters: dict[str, Any],
    wait_for: list[Any],
    task_run: TaskRun,
    upstream: Mapping[uuid.UUID, Returned],
) -> Returned:
    """Run a shipped task run here (a Dask worker) to its end; its state and records."""
    global _logging_ready
    if not _logging_ready:
        from cauce.logging.config import configure_logging

        configure_logging(get_settings())
        _logging_ready = True
    if upstream:
        parameters, wait_for = _fill(parameters, upstream), _fill(wait_for, upstream)
    collector = _Collector()
    with recording_into(collector):
        try:
            if task.is_async:
                import asyncio

                coroutine = run_task_async(task, parameters, True, task_run, wait_for)
                state: State = asyncio.run(coroutine)
            else:
                state = run_task_sync(task, parameters, True, task_run, wait_for)
        except BaseException as exc:
            return Returned(None, exc, collector.records())
    return Returned(state, None, collector.records())


def finish(
    returned: Returned,
    task_run: TaskRun,
    guard: RecordGuard,
    outcome: concurrent.futures.Future[State],
) -> None:
    """In the flow's process: record what a shipped run brought back, then end its future."""
    runs, states, logs, seen = returned.records
    by_id = {run.id: run for run in runs}
    writer = get_batch_writer()
    with guard.lock:
        if not guard.taken_over:
            came_back = by_id.get(task_run.id)
            if came_back is not None:
                for field in fields(TaskRun):
                    setattr(task_run, field.name, getattr(came_back, field.name))
                by_id[task_run.id] = task_run
            for run_id, state in states:
                writer.task_run_changed(by_id[run_id], state, seen.get(run_id))
    for entry in logs:
        writer.log(entry)
    if returned.error is not None:
        outcome.set_exception(returned.error)
    elif guard.taken_over or returned.state is None:
        outcome.set_result(task_run.state)
    else:
        outcome.set_result(returned.state)


def crash(
    error: BaseException,
    task_run: TaskRun,
    guard: RecordGuard,
    outcome: concurrent.futures.Future[State],
) -> None:
    """In the flow's process: a shipped run never came back (its worker died): Crashed."""
    state = Crashed(
        f"Execution was interrupted by an unexpected exception: {exception_summary(error)}",
        data=error,
    )
    with guard.lock:
        recorded = not guard.taken_over and not task_run.state.is_final()
        if recorded:
            seen = task_run.state.id
            task_run.state = state
            task_run.end_time = state.timestamp
            get_batch_writer().task_run_changed(task_run, state, seen)
    if recorded:
        logger = task_run_logger(task_run.id, task_run.name, task_run.flow_run_id)
        logger.error("Finished in state %r", state)
    outcome.set_result(task_run.state)
