"""Ending runs whose process is gone: a killed worker, a killed script, a machine off.

A run left Pending, Running or Cancelling by a process that no longer exists ends
Crashed (Cancelled if it was being cancelled), saying why, and so do its task runs
that had not ended. Nothing is left Running forever.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection

from cauce.database.queries import workers as queries
from cauce.database.queries.flow_runs import select_flow_run
from cauce.database.queries.task_runs import select_task_runs
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration.errors import ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.orchestration.task_runs import write_task_run_batch
from cauce.processes import process_is_gone, this_host
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.schemas.workers import SILENT_HEARTBEATS
from cauce.states import AwaitingRetry, Crashed, State, StateType, now_utc


def crash_flow_run(connection: Connection, flow_run_id: uuid.UUID, reason: str) -> bool:
    """End the run Crashed with `reason` (Cancelled, if it was being cancelled), and its
    unfinished task runs Crashed; False if it had ended already. A deployment's run
    whose flow has retries left is scheduled again instead (AwaitingRetry), for a
    worker to claim once its retry delay has passed."""
    flow_run = select_flow_run(connection, flow_run_id)
    if flow_run is None or flow_run.state.is_final():
        return False
    executor = SqlAlchemyExecutor(connection)
    result = set_flow_run_state(
        executor,
        flow_run_id,
        _crashed_or_retried(connection, flow_run, reason),
        expected_state_id=flow_run.state.id,
    )
    if result.status is not SetStateStatus.ACCEPT:
        return False
    unfinished = [t for t in select_task_runs(connection, flow_run_id) if not t.state.is_final()]
    seen = {t.id: t.state.id for t in unfinished}
    states = []
    for task_run in unfinished:
        task_run.state = Crashed(f"Its flow run crashed: {reason}")
        states.append((task_run.id, task_run.state))
    write_task_run_batch(executor, unfinished, states, [], seen)
    return True


def declare_retries(
    connection: Connection, flow_run_id: uuid.UUID, retries: int, retry_delay_seconds: float
) -> None:
    """Record the run's flow's retries and the delay before its next attempt, as its
    process knows them; ObjectNotFound for an unknown run."""
    if not queries.update_retry_policy(connection, flow_run_id, retries, retry_delay_seconds):
        raise ObjectNotFound(f"flow run {flow_run_id} not found")


def _crashed_or_retried(connection: Connection, flow_run: FlowRun, reason: str) -> State:
    """Crashed, unless the run's flow has retries left and a worker would run it again."""
    retries, delay = queries.select_retry_policy(connection, flow_run.id)
    attempt = flow_run.run_count
    can_retry = (
        flow_run.deployment_id is not None
        and retries is not None
        and 0 < attempt <= retries
        and flow_run.state.type is not StateType.CANCELLING
    )
    if not can_retry:
        return Crashed(reason)
    assert retries is not None
    next_attempt = now_utc() + timedelta(seconds=delay or 0.0)
    message = f"Attempt {attempt} of {retries + 1} crashed: {reason} It will be run again."
    return AwaitingRetry(next_attempt, message)


def crash_runs_of_gone_processes(
    connection: Connection, now: datetime, heartbeat_seconds: float
) -> list[uuid.UUID]:
    """Crash the unfinished runs recorded on this machine whose process is gone. A run
    whose worker is alive and beat within the last two periods is left to it: the worker
    reports how its process ended (its exit code), which no one else can."""
    crashed = []
    host = this_host()
    watched_since = now - timedelta(seconds=2 * heartbeat_seconds)
    for flow_run_id, pid, worker_pid in queries.select_runs_on_host(
        connection, host, watched_since
    ):
        if worker_pid is not None and worker_pid != pid and not process_is_gone(worker_pid):
            continue
        if process_is_gone(pid):
            reason = f"Its process ({pid} on {host}) is gone: it was killed or the machine stopped."
            if crash_flow_run(connection, flow_run_id, reason):
                crashed.append(flow_run_id)
    return crashed


def crash_silent_runs(
    connection: Connection, now: datetime, heartbeat_seconds: float
) -> list[uuid.UUID]:
    """Crash the unfinished runs whose worker, or own process, has been silent for
    SILENT_HEARTBEATS heartbeat periods."""
    silent = SILENT_HEARTBEATS * heartbeat_seconds
    crashed = []
    for flow_run_id, who in queries.select_silent_runs(connection, now - timedelta(seconds=silent)):
        reason = f"{who.capitalize()} has not been heard from for {silent:g} s."
        if crash_flow_run(connection, flow_run_id, reason):
            crashed.append(flow_run_id)
    return crashed
