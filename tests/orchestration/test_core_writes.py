"""The core's write functions called directly, in a write transaction on a SQLite file:
creating a flow run, and a batch of task-run changes decided by the task-run rules.

What every client sees of them is in test_task_run_batches.py; these pin what the
functions return and decide within one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cauce.client.embedded import EmbeddedClient
from cauce.database.connections import create_engine, ensure_schema
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration.flow_runs import create_flow_run
from cauce.orchestration.task_runs import BatchOutcome, write_task_run_batch
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Crashed, Pending, Running, State, now_utc


@dataclass
class Core:
    """A database to call the core on, and a client to read back what it recorded."""

    engine: Engine
    client: EmbeddedClient

    def create(self, name: str, parent: uuid.UUID | None = None) -> FlowRun:
        flow_run = FlowRun(uuid.uuid4(), "core", name, Running(), created=now_utc())
        with self.engine.begin() as connection:
            create_flow_run(SqlAlchemyExecutor(connection), flow_run, parent)
        return flow_run

    def batch(
        self, task_runs: list[TaskRun], states: list[tuple[uuid.UUID, State]]
    ) -> BatchOutcome:
        with self.engine.begin() as connection:
            return write_task_run_batch(SqlAlchemyExecutor(connection), task_runs, states, [])

    def history(self, task_run: TaskRun) -> list[str]:
        return [s.name for s in self.client.read_task_run_states(task_run.id)]


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    url = f"sqlite:///{tmp_path / 'core.db'}"
    engine = create_engine(url)
    ensure_schema(engine)
    yield Core(engine, EmbeddedClient(url))
    engine.dispose()


def task_run_of(flow_run: FlowRun) -> TaskRun:
    return TaskRun(uuid.uuid4(), flow_run.id, "t", "t-0", Pending())


class TestCreateFlowRun:
    def test_a_subflow_run_is_recorded_under_its_parent(self, core: Core) -> None:
        parent = core.create("parent")
        child = core.create("child", parent=parent.id)
        assert [run.id for run in core.client.read_subflow_runs(parent.id)] == [child.id]
        assert core.client.read_subflow_runs(child.id) == []


class TestWriteTaskRunBatch:
    def test_the_outcome_counts_recorded_and_refused_states(self, core: Core) -> None:
        task_run = task_run_of(core.create("run"))
        pending, running, completed = Pending(), Running(), Completed()
        outcome = core.batch(
            [replace(task_run, state=completed)],
            [
                (task_run.id, pending),
                (task_run.id, running),
                (task_run.id, completed),
            ],
        )
        assert outcome == BatchOutcome(recorded_states=3, refused_states=0)
        late = Running()
        outcome = core.batch([replace(task_run, state=late)], [(task_run.id, late)])
        assert outcome == BatchOutcome(recorded_states=0, refused_states=1)
        assert core.history(task_run) == ["Pending", "Running", "Completed"]

    def test_states_in_one_batch_are_decided_against_the_ones_before_them(self, core: Core) -> None:
        # A run's Completed, then a second start in the same batch: the start is refused.
        task_run = task_run_of(core.create("run"))
        core.batch([task_run], [(task_run.id, task_run.state)])
        completed, again = Completed(), Running()
        outcome = core.batch(
            [replace(task_run, state=again)], [(task_run.id, completed), (task_run.id, again)]
        )
        assert outcome == BatchOutcome(recorded_states=1, refused_states=1)
        assert core.history(task_run) == ["Pending", "Completed"]

    def test_a_snapshot_whose_last_state_is_refused_leaves_the_row_as_it_was(
        self, core: Core
    ) -> None:
        flow_run = core.create("run")
        task_run = task_run_of(flow_run)
        crashed = Crashed("its process is gone")
        core.batch(
            [replace(task_run, state=crashed)],
            [(task_run.id, task_run.state), (task_run.id, crashed)],
        )
        late = Completed()
        core.batch([replace(task_run, name="t-late", state=late)], [(task_run.id, late)])
        [stored] = core.client.read_task_runs(flow_run.id)
        assert (stored.name, stored.state.name) == ("t-0", "Crashed")

    def test_a_snapshot_without_states_in_the_batch_is_still_written(self, core: Core) -> None:
        flow_run = core.create("run")
        task_run = task_run_of(flow_run)
        core.batch([task_run], [(task_run.id, task_run.state)])
        renamed = replace(task_run, name="t-renamed")
        assert core.batch([renamed], []) == BatchOutcome(recorded_states=0, refused_states=0)
        [stored] = core.client.read_task_runs(flow_run.id)
        assert stored.name == "t-renamed"
