"""The embedded client's verbs for workers, cancellation, crashes and the watchdog.

A mixin of EmbeddedClient, kept apart so that each file stays about one thing.
They go through the core on SQLAlchemy: none of them is on a flow's hot path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cauce.processes import process_is_gone, this_host
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.workers import WatchdogAction, Worker, WorkerHeartbeat
from cauce.states import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection


class EmbeddedWorkerVerbs:
    """Workers, cancellation, crashes and the watchdog on the in-process database."""

    def _core(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def worker_heartbeat(
        self, pool_name: str, name: str, host: str, pid: int, flow_run_ids: list[uuid.UUID]
    ) -> WorkerHeartbeat:
        from cauce.orchestration.workers import record_worker_heartbeat

        with self._core() as connection:
            return record_worker_heartbeat(
                connection, pool_name, name, host, pid, flow_run_ids, now_utc()
            )

    def worker_stopped(self, worker_id: uuid.UUID) -> None:
        from cauce.orchestration.workers import record_worker_stopped

        with self._core() as connection:
            record_worker_stopped(connection, worker_id, now_utc())

    def claim_flow_runs(
        self,
        pool_name: str,
        worker_id: uuid.UUID,
        most: int,
        prefetch_seconds: float = 0.0,
        deployment_ids: Sequence[uuid.UUID] | None = None,
        wait_seconds: float = 0.0,
    ) -> list[FlowRun]:
        from cauce.orchestration.claims import claim_flow_runs

        with self._core() as connection:
            return claim_flow_runs(
                connection, pool_name, worker_id, most, now_utc(), prefetch_seconds, deployment_ids
            )

    def read_workers(self, pool_name: str | None = None) -> list[Worker]:
        from cauce.database.queries.workers import select_workers

        with self._reading() as connection:
            return select_workers(connection, pool_name)

    def flow_run_heartbeat(
        self, flow_run_ids: list[uuid.UUID], host: str, pid: int
    ) -> list[uuid.UUID]:
        from cauce.orchestration.workers import record_process_heartbeat

        with self._core() as connection:
            return record_process_heartbeat(connection, flow_run_ids, host, pid, now_utc())

    def crash_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> bool:
        from cauce.orchestration.crashes import crash_flow_run

        with self._core() as connection:
            return crash_flow_run(connection, flow_run_id, reason)

    def set_flow_run_retries(
        self, flow_run_id: uuid.UUID, retries: int, retry_delay_seconds: float
    ) -> None:
        from cauce.orchestration.crashes import declare_retries

        with self._core() as connection:
            declare_retries(connection, flow_run_id, retries, retry_delay_seconds)

    def cancel_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> FlowRun:
        from cauce.orchestration.cancellation import cancel_flow_run

        with self._core() as connection:
            flow_run = cancel_flow_run(connection, flow_run_id, reason)
        stop_local_process(flow_run)
        return flow_run

    def update_flow_run(
        self, flow_run_id: uuid.UUID, name: str | None = None, tags: list[str] | None = None
    ) -> FlowRun:
        from cauce.orchestration.flow_runs import update_flow_run

        with self._core() as connection:
            return update_flow_run(connection, flow_run_id, name, tags)

    def resume_flow_run(
        self, flow_run_id: uuid.UUID, run_input: dict[str, Any] | None = None
    ) -> FlowRun:
        from cauce.orchestration.pausing import resume_flow_run

        with self._core() as connection:
            return resume_flow_run(connection, flow_run_id, run_input)

    def run_watchdog(self, dry_run: bool = False) -> list[WatchdogAction]:
        from cauce.orchestration.watchdog import run_watchdog
        from cauce.settings import get_settings

        watchdog = get_settings().watchdog
        with self._core() as connection:
            return run_watchdog(
                connection,
                now_utc(),
                watchdog.late_after.total_seconds(),
                watchdog.running_after.total_seconds(),
                dry_run,
            )

    def _crash_runs_of_gone_processes(self) -> list[uuid.UUID]:
        from cauce.orchestration.crashes import crash_runs_of_gone_processes
        from cauce.settings import get_settings

        heartbeat = get_settings().worker.heartbeat.total_seconds()
        with self._core() as connection:
            return crash_runs_of_gone_processes(connection, now_utc(), heartbeat)


def stop_local_process(flow_run: FlowRun) -> None:
    """Send SIGTERM to the process of a run that no worker watches, when it runs on this
    machine (a script run by hand): it then ends the run itself. A worker's runs are
    stopped by their worker."""
    import os
    import signal

    if flow_run.worker_id is not None or flow_run.host != this_host() or not flow_run.pid:
        return
    if process_is_gone(flow_run.pid):
        return
    try:
        os.kill(flow_run.pid, signal.SIGTERM)
    except OSError:
        pass  # it ended meanwhile
