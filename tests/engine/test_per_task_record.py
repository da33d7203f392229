"""What a 1,000-task flow leaves in the store once its process has ended (issue #20).

The per-task path is the hottest in the engine; whatever makes it cheaper must
leave every task run recorded the same: its name, its three states in order with
timestamps that never go back, and its two engine lines with level and message.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from cauce.schemas.logs import LogEntry
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import only_run_of

N = 1_000

SCRIPT = f"""
from cauce import flow, task


@task
def add_one(x: int) -> int:
    return x + 1


@flow
def many_tasks() -> int:
    total = 0
    for i in range({N}):
        total += add_one(i)
    return total


print(many_tasks())
"""


def _all_lines(store: Store, flow_run_id: uuid.UUID) -> list[LogEntry]:
    lines: list[LogEntry] = []
    after_id = 0
    while page := store.client.read_logs(flow_run_id, after_id=after_id):
        lines.extend(entry for _, entry in page)
        after_id = page[-1][0]
    return lines


@pytest.mark.store_kinds("1,000 task runs read back one by one", "sqlite", "http-postgres")
@pytest.mark.timeout(300)
def test_every_task_run_is_recorded_with_its_states_and_lines(store: Store, tmp_path: Path) -> None:
    result = scripts.run(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sum(range(1, N + 1))}\n"

    run = only_run_of(store, "many-tasks")
    assert run.flow_run.state.name == "Completed"
    assert sorted(t.name for t in run.task_runs) == sorted(f"add_one-{i}" for i in range(N))

    lines = _all_lines(store, run.flow_run.id)
    by_task: dict[uuid.UUID | None, list[LogEntry]] = {}
    for line in lines:
        by_task.setdefault(line.task_run_id, []).append(line)
    assert len(by_task) == N + 1  # every task run, and the flow run's own lines
    flow_lines = by_task[None]
    created = {line.message: line for line in flow_lines[1:-1]}

    for task_run in run.task_runs:
        assert task_run.task_name == "add_one"
        assert task_run.flow_run_id == run.flow_run.id
        assert task_run.state.name == "Completed"
        assert task_run.run_count == 1
        states = store.client.read_task_run_states(task_run.id)
        assert [s.name for s in states] == ["Pending", "Running", "Completed"], task_run.name
        times = [s.timestamp for s in states]
        assert times == sorted(times), task_run.name
        assert task_run.start_time == states[1].timestamp
        assert task_run.end_time == states[2].timestamp
        assert states[2].timestamp == task_run.state.timestamp

        # The flow run announces each task run; the task run's own line ends it.
        announced = created.pop(f"Created task run {task_run.name!r} for task 'add_one'")
        (finished,) = by_task[task_run.id]
        assert (announced.level, announced.name) == (logging.INFO, "cauce.flow_runs")
        assert (finished.level, finished.name) == (logging.INFO, "cauce.task_runs")
        assert finished.message == "Finished in state Completed()"
        assert announced.flow_run_id == finished.flow_run_id == run.flow_run.id
        assert states[0].timestamp <= announced.timestamp <= states[1].timestamp
        assert finished.timestamp >= states[2].timestamp

    assert created == {}
    assert [(line.level, line.message) for line in (flow_lines[0], flow_lines[-1])] == [
        (logging.INFO, f"Created flow run {run.flow_run.name!r} for flow 'many-tasks'"),
        (logging.INFO, "Finished in state Completed()"),
    ]
    assert [line.timestamp for line in lines] == sorted(line.timestamp for line in lines)
