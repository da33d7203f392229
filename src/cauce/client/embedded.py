"""EmbeddedClient: the client interface over the core and a database in this process.

The default when no CAUCE_API_URL is set: runs go to SQLite under CAUCE_HOME
with no server and no HTTP. Recording (creating runs, setting states, writing
batches) runs the precompiled statements on the sqlite3 driver, so a flow
script never imports SQLAlchemy; reading (the CLI) goes through SQLAlchemy.
On PostgreSQL both go through SQLAlchemy. Each call is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cauce.client.base import ClientError, NotFound, StoreBusy
from cauce.client.embedded_artifacts import EmbeddedArtifactVerbs, core_refusals
from cauce.client.embedded_blocks import EmbeddedBlockVerbs
from cauce.client.embedded_concurrency_limits import EmbeddedConcurrencyLimitVerbs
from cauce.client.embedded_events import EmbeddedEventVerbs
from cauce.client.embedded_variables import EmbeddedVariableVerbs
from cauce.client.embedded_workers import EmbeddedWorkerVerbs
from cauce.database.migrations import HEAD_REVISION
from cauce.database.recording import sqlite_connection, sqlite_schema
from cauce.database.recording.executors import SqlAlchemyExecutor, SqliteExecutor, StatementExecutor
from cauce.orchestration.flow_runs import FlowRunExists, create_flow_run
from cauce.orchestration.set_state import set_flow_run_state
from cauce.orchestration.task_runs import write_task_run_batch
from cauce.processes import process_is_gone, this_host
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult
from cauce.schemas.task_runs import TaskRun
from cauce.states import State, now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


class EmbeddedClient(
    EmbeddedWorkerVerbs,
    EmbeddedVariableVerbs,
    EmbeddedArtifactVerbs,
    EmbeddedConcurrencyLimitVerbs,
    EmbeddedBlockVerbs,
    EmbeddedEventVerbs,
):
    """Records and reads runs directly in the database at `database_url`.

    The first use of the store also ends the runs that a process on this machine left
    unfinished when it was killed (their process is gone): with no server, whoever
    reads the store next does it.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.is_sqlite = database_url.startswith("sqlite")
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sqlite_connections: list[sqlite3.Connection] = []
        # Batches come from whichever thread fills one (a mapped task's, say): they share
        # one connection, one batch at a time, instead of opening one per thread.
        self._batch_connection: sqlite3.Connection | None = None
        self._batch_lock = threading.Lock()
        self._schema_checked = False
        self._flow_ids: dict[str, uuid.UUID] = {}

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created and migrated on first use."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from cauce.database.connections import create_engine, ensure_schema

                    engine = create_engine(self.database_url)
                    ensure_schema(engine)
                    self._engine = engine
                    self._schema_checked = True
                    self._crash_runs_of_gone_processes()
        return self._engine

    def _sqlite(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect_sqlite()
        return connection

    def _batch_sqlite(self) -> sqlite3.Connection:
        if self._batch_connection is None:
            self._batch_connection = self._connect_sqlite()
        return self._batch_connection

    def _connect_sqlite(self) -> sqlite3.Connection:
        if not self._schema_checked:
            self._check_sqlite_schema()
        connection = sqlite_connection.connect(self.database_url)
        with self._lock:
            self._sqlite_connections.append(connection)
        return connection

    def _check_sqlite_schema(self) -> None:
        # Read the schema revision without SQLAlchemy. A new file gets the head schema
        # from the compiled DDL; an older one is migrated by Alembic.
        # Runs left unfinished by a killed process of this machine are read here too,
        # cheaply; SQLAlchemy loads only when one must be ended (or the file migrated).
        connection = sqlite_connection.connect(self.database_url)
        try:
            revision = sqlite_schema.create_if_new(connection)
            is_current = revision == HEAD_REVISION
            found = (
                SqliteExecutor(connection).execute("select_runs_on_host", {"host": this_host()})
                if is_current
                else []
            )
        finally:
            connection.close()
        if not is_current or any(process_is_gone(row["pid"]) for row in found):
            _ = self.engine  # migrates, and ends the runs of killed processes
        self._schema_checked = True

    @contextmanager
    def _recording(self, batch: bool = False, wait: bool = True) -> Iterator[StatementExecutor]:
        """A write transaction for the recording statements (`batch`: on the batches'
        connection, which the caller holds `_batch_lock` for; `wait`: see write_batch)."""
        if self.is_sqlite:
            raw = self._batch_sqlite() if batch else self._sqlite()
            with sqlite_connection.write_transaction(raw, wait) as connection:
                yield SqliteExecutor(connection)
        else:
            with self.engine.begin() as connection:
                yield SqlAlchemyExecutor(connection)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def create_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        cached = flow_run.flow_name in self._flow_ids
        try:
            self._insert_flow_run(flow_run, parent_flow_run_id)
        except FlowRunExists as exc:
            raise ClientError(str(exc)) from None
        except Exception:
            if not cached:
                raise
            # The remembered flow id may be gone (the database was reset): look it up again.
            self._flow_ids.pop(flow_run.flow_name, None)
            self._insert_flow_run(flow_run, parent_flow_run_id)

    def _insert_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        with self._recording() as executor:
            known = self._flow_ids.get(flow_run.flow_name)
            flow_id, _ = create_flow_run(executor, flow_run, parent_flow_run_id, known)
            self._flow_ids[flow_run.flow_name] = flow_id

    def set_flow_run_state(
        self,
        flow_run_id: uuid.UUID,
        state: State,
        force: bool = False,
        expected_state_id: uuid.UUID | None = None,
    ) -> SetStateResult:
        with self._recording() as executor:
            return set_flow_run_state(executor, flow_run_id, state, force, expected_state_id)

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
        engine_decided: bool = False,
        wait: bool = True,
    ) -> None:
        try:
            with self._batch_lock, self._recording(batch=True, wait=wait) as executor:
                write_task_run_batch(
                    executor, task_runs, task_run_states, logs, seen_state_ids, engine_decided
                )
        except sqlite_connection.WriteLockTaken as exc:
            raise StoreBusy(f"{self.database_url} is being written by another process") from exc

    def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun:
        from cauce.database.queries.flow_runs import select_flow_run

        with self._reading() as connection:
            flow_run = select_flow_run(connection, flow_run_id)
        if flow_run is None:
            raise NotFound(f"Flow run {flow_run_id} not found")
        return flow_run

    def read_flow_runs(self, where: FlowRunFilter) -> list[FlowRun]:
        from cauce.database.queries.flow_runs import select_flow_runs

        with self._reading() as connection:
            return select_flow_runs(connection, where)

    def read_subflow_runs(self, flow_run_id: uuid.UUID) -> list[FlowRun]:
        from cauce.database.queries.flow_runs import select_subflow_runs

        with self._reading() as connection:
            return select_subflow_runs(connection, flow_run_id)

    def read_flow_run_states(self, flow_run_id: uuid.UUID) -> list[State]:
        from cauce.database.queries.flow_runs import select_flow_run_states

        with self._reading() as connection:
            return select_flow_run_states(connection, flow_run_id)

    def delete_flow_run(self, flow_run_id: uuid.UUID) -> None:
        from cauce.database.queries.flow_runs import delete_flow_run

        with self._reading() as connection:
            if not delete_flow_run(connection, flow_run_id):
                raise NotFound(f"Flow run {flow_run_id} not found")

    def read_flows(self) -> list[Flow]:
        from cauce.database.queries.flows import select_flows

        with self._reading() as connection:
            return select_flows(connection)

    def read_task_runs(self, flow_run_id: uuid.UUID) -> list[TaskRun]:
        from cauce.database.queries.task_runs import select_task_runs

        with self._reading() as connection:
            return select_task_runs(connection, flow_run_id)

    def read_task_run_states(self, task_run_id: uuid.UUID) -> list[State]:
        from cauce.database.queries.task_runs import select_task_run_states

        with self._reading() as connection:
            return select_task_run_states(connection, task_run_id)

    def read_logs(
        self, flow_run_id: uuid.UUID, min_level: int = 0, after_id: int = 0, limit: int = 1000
    ) -> list[tuple[int, LogEntry]]:
        from cauce.database.queries.logs import select_logs

        with self._reading() as connection:
            return select_logs(connection, flow_run_id, min_level, after_id, limit)

    @contextmanager
    def _core(self) -> Iterator[Connection]:
        """A write transaction for the core's general operations; its refusals as
        client errors."""
        with core_refusals(), self.engine.begin() as connection:
            yield connection

    def create_work_pool(self, pool: WorkPool) -> WorkPool:
        from cauce.orchestration.work_pools import create_work_pool

        with self._core() as connection:
            return create_work_pool(connection, pool)

    def read_work_pool(self, name: str) -> WorkPool:
        from cauce.orchestration.work_pools import read_work_pool

        with self._core() as connection:
            return read_work_pool(connection, name)

    def read_work_pools(self) -> list[WorkPool]:
        from cauce.database.queries.work_pools import select_work_pools

        with self._reading() as connection:
            return select_work_pools(connection)

    def update_work_pool(
        self,
        name: str,
        *,
        is_paused: bool | None = None,
        concurrency_limit: int | None = None,
        clear_concurrency_limit: bool = False,
        description: str | None = None,
    ) -> WorkPool:
        from cauce.orchestration.work_pools import update_work_pool

        with self._core() as connection:
            return update_work_pool(
                connection,
                name,
                is_paused=is_paused,
                concurrency_limit=concurrency_limit,
                clear_concurrency_limit=clear_concurrency_limit,
                description=description,
            )

    def delete_work_pool(self, name: str) -> None:
        from cauce.orchestration.work_pools import delete_work_pool

        with self._core() as connection:
            delete_work_pool(connection, name)

    def apply_deployment(self, deployment: Deployment) -> Deployment:
        from cauce.orchestration.deployments import apply_deployment

        with self._core() as connection:
            return apply_deployment(connection, deployment, now_utc())

    def read_deployment(self, deployment_id: uuid.UUID) -> Deployment:
        from cauce.orchestration.deployments import read_deployment

        with self._core() as connection:
            return read_deployment(connection, deployment_id)

    def read_deployment_by_name(self, full_name: str) -> Deployment:
        from cauce.orchestration.deployments import read_deployment_by_name

        with self._core() as connection:
            return read_deployment_by_name(connection, full_name)

    def read_deployments(self) -> list[Deployment]:
        from cauce.database.queries.deployments import select_deployments

        with self._reading() as connection:
            return select_deployments(connection)

    def set_deployment_paused(self, deployment_id: uuid.UUID, is_paused: bool) -> Deployment:
        from cauce.orchestration.deployments import set_deployment_paused

        with self._core() as connection:
            return set_deployment_paused(connection, deployment_id, is_paused, now_utc())

    def delete_deployment(self, deployment_id: uuid.UUID) -> int:
        from cauce.orchestration.deployments import delete_deployment

        with self._core() as connection:
            return delete_deployment(connection, deployment_id, now_utc())

    def add_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule: DeploymentSchedule
    ) -> Deployment:
        from cauce.orchestration.deployments import add_schedule

        with self._core() as connection:
            return add_schedule(connection, deployment_id, schedule, now_utc())

    def set_deployment_schedule_active(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID, is_active: bool
    ) -> Deployment:
        from cauce.orchestration.deployments import set_schedule_active

        with self._core() as connection:
            return set_schedule_active(connection, deployment_id, schedule_id, is_active, now_utc())

    def delete_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID
    ) -> Deployment:
        from cauce.orchestration.deployments import delete_schedule

        with self._core() as connection:
            return delete_schedule(connection, deployment_id, schedule_id, now_utc())

    def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID,
        parameters: dict[str, Any] | None = None,
        scheduled_time: datetime | None = None,
        tags: list[str] | None = None,
    ) -> FlowRun:
        from cauce.orchestration.deployments import create_flow_run_from_deployment

        with self._core() as connection:
            return create_flow_run_from_deployment(
                connection, deployment_id, parameters or {}, now_utc(), scheduled_time, tags
            )

    def close(self) -> None:
        with self._lock:
            for connection in self._sqlite_connections:
                connection.close()
            self._sqlite_connections.clear()
            self._local = threading.local()
            self._batch_connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
