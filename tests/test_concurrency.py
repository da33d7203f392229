"""Several processes recording into one store at once lose nothing and never see
"database is locked"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import flow_runs_of, recorded, task_state_names

PROCESSES = 4
FLOWS_PER_PROCESS = 3
TASKS_PER_FLOW = 50

SCRIPT = f"""
import sys
from cauce import flow, task, get_run_logger

@task
def step(worker: int, i: int) -> int:
    get_run_logger().info("worker %d step %d", worker, i)
    return i

@flow
def batch(worker: int) -> int:
    return sum(step(worker, i) for i in range({TASKS_PER_FLOW}))

if __name__ == "__main__":
    for _ in range({FLOWS_PER_PROCESS}):
        assert batch(int(sys.argv[1])) == {sum(range(TASKS_PER_FLOW))}
"""

# Per flow run: "Created flow run", per task "Created task run", its line and
# "Finished in state", and the flow's "Finished in state".
LINES_PER_FLOW = 1 + 3 * TASKS_PER_FLOW + 1


class TestProcessesSharingAStore:
    def test_every_run_state_and_line_of_every_process_is_recorded(
        self, store: Store, tmp_path: Path
    ) -> None:
        path = scripts.write_script(tmp_path, SCRIPT)
        processes = [
            subprocess.Popen(
                [sys.executable, str(path), str(worker)],
                env=scripts.script_environment(),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for worker in range(PROCESSES)
        ]
        outputs = [p.communicate(timeout=90) for p in processes]
        for process, (_, stderr) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, stderr
            assert "database is locked" not in stderr
            assert "could not record" not in stderr

        runs = flow_runs_of(store, "batch")
        assert len(runs) == PROCESSES * FLOWS_PER_PROCESS
        assert {run.state.name for run in runs} == {"Completed"}
        workers = sorted(run.parameters["worker"] for run in runs)
        assert workers == sorted(list(range(PROCESSES)) * FLOWS_PER_PROCESS)
        for run in runs:
            flow_run = recorded(store, run.id)
            assert [s.name for s in flow_run.states] == ["Pending", "Running", "Completed"]
            assert len(flow_run.task_runs) == TASKS_PER_FLOW
            assert {t.state.name for t in flow_run.task_runs} == {"Completed"}
            assert len(flow_run.messages) == LINES_PER_FLOW
            worker = run.parameters["worker"]
            steps = {m for m in flow_run.messages if m.startswith(f"worker {worker} step ")}
            assert len(steps) == TASKS_PER_FLOW
        sample = recorded(store, runs[0].id).task_runs[-1]
        assert task_state_names(store, sample) == ["Pending", "Running", "Completed"]
