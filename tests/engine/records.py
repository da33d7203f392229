"""Reading what a run recorded, only through the client interface (embedded or HTTP)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.task_runs import TaskRun
from cauce.states import State
from tests.conftest import Store


@dataclass
class Recorded:
    """One flow run as the store has it: the run, its states, task runs and log lines."""

    flow_run: FlowRun
    states: list[State]
    task_runs: list[TaskRun]
    messages: list[str]

    def task_run(self, name: str) -> TaskRun:
        matches = [t for t in self.task_runs if t.name == name]
        assert len(matches) == 1, f"{name!r} in {[t.name for t in self.task_runs]}"
        return matches[0]


def recorded(store: Store, flow_run_id: uuid.UUID) -> Recorded:
    """Everything recorded for one flow run, after flushing what this process still holds."""
    store.flush()
    client = store.client
    return Recorded(
        flow_run=client.read_flow_run(flow_run_id),
        states=client.read_flow_run_states(flow_run_id),
        task_runs=client.read_task_runs(flow_run_id),
        messages=[entry.message for _, entry in client.read_logs(flow_run_id)],
    )


def flow_runs_of(store: Store, flow_name: str) -> list[FlowRun]:
    """The runs of one flow, oldest first."""
    store.flush()
    runs = store.client.read_flow_runs(FlowRunFilter(flow_name=flow_name, limit=200))
    return sorted(runs, key=lambda run: run.created or run.state.timestamp)


def only_run_of(store: Store, flow_name: str) -> Recorded:
    """Everything recorded for the single run of `flow_name`."""
    runs = flow_runs_of(store, flow_name)
    assert len(runs) == 1, [r.name for r in runs]
    return recorded(store, runs[0].id)


def names(states: list[State]) -> list[str]:
    return [state.name for state in states]


def task_state_names(store: Store, task_run: TaskRun) -> list[str]:
    return names(store.client.read_task_run_states(task_run.id))
