"""EmbeddedClient: the client interface over the core and a database in this process.

The default when no CAUCE_API_URL is set: runs go to SQLite under CAUCE_HOME
with no server and no HTTP. Each call is one transaction.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from cauce.client.base import NotFound
from cauce.database.engine import create_engine, ensure_schema
from cauce.database.queries import flow_runs as flow_run_queries
from cauce.database.queries import flows as flow_queries
from cauce.database.queries import logs as log_queries
from cauce.database.queries import task_runs as task_run_queries
from cauce.database.queries.states import history_row
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult
from cauce.schemas.task_runs import TaskRun
from cauce.states import State


class EmbeddedClient:
    """Records and reads runs directly in the database at `database_url`."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._flow_ids: dict[str, uuid.UUID] = {}

    @property
    def engine(self) -> Engine:
        """The database engine, created and migrated on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    engine = create_engine(self.database_url)
                    ensure_schema(engine)
                    self._engine = engine
        return self._engine

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def create_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        with self._transaction() as connection:
            flow_id = self._flow_ids.get(flow_run.flow_name)
            if flow_id is None:
                flow_id = flow_queries.insert_flow_if_missing(connection, flow_run.flow_name)
                self._flow_ids[flow_run.flow_name] = flow_id
            flow_run_queries.insert_flow_run(connection, flow_run, flow_id, parent_flow_run_id)

    def set_flow_run_state(
        self, flow_run_id: uuid.UUID, state: State, force: bool = False
    ) -> SetStateResult:
        with self._transaction() as connection:
            return set_flow_run_state(connection, flow_run_id, state, force)

    def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun:
        with self._transaction() as connection:
            flow_run = flow_run_queries.select_flow_run(connection, flow_run_id)
        if flow_run is None:
            raise NotFound(f"Flow run {flow_run_id} not found")
        return flow_run

    def read_flow_runs(self, where: FlowRunFilter) -> list[FlowRun]:
        with self._transaction() as connection:
            return flow_run_queries.select_flow_runs(connection, where)

    def read_subflow_runs(self, flow_run_id: uuid.UUID) -> list[FlowRun]:
        with self._transaction() as connection:
            return flow_run_queries.select_subflow_runs(connection, flow_run_id)

    def read_flow_run_states(self, flow_run_id: uuid.UUID) -> list[State]:
        with self._transaction() as connection:
            return flow_run_queries.select_flow_run_states(connection, flow_run_id)

    def delete_flow_run(self, flow_run_id: uuid.UUID) -> None:
        with self._transaction() as connection:
            if not flow_run_queries.delete_flow_run(connection, flow_run_id):
                raise NotFound(f"Flow run {flow_run_id} not found")

    def read_flows(self) -> list[Flow]:
        with self._transaction() as connection:
            return flow_queries.select_flows(connection)

    def read_task_runs(self, flow_run_id: uuid.UUID) -> list[TaskRun]:
        with self._transaction() as connection:
            return task_run_queries.select_task_runs(connection, flow_run_id)

    def read_task_run_states(self, task_run_id: uuid.UUID) -> list[State]:
        with self._transaction() as connection:
            return task_run_queries.select_task_run_states(connection, task_run_id)

    def read_logs(
        self, flow_run_id: uuid.UUID, min_level: int = 0, after_id: int = 0, limit: int = 1000
    ) -> list[tuple[int, LogEntry]]:
        with self._transaction() as connection:
            return log_queries.select_logs(connection, flow_run_id, min_level, after_id, limit)

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
    ) -> None:
        with self._transaction() as connection:
            task_run_queries.upsert_task_runs(
                connection, [task_run_queries.task_run_row(t) for t in task_runs]
            )
            task_run_queries.insert_task_run_states(
                connection, [history_row(s, "task_run_id", i) for i, s in task_run_states]
            )
            log_queries.insert_logs(connection, logs)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
