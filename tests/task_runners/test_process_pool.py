"""ProcessPoolTaskRunner: submitted task runs execute in other processes of a pool, in
scripts run as a user runs them (`python flow.py`, tasks defined in `__main__`), and are
recorded by the flow's process: states and log lines; a task that kills its process
is Crashed and the flow run goes on."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from cauce.processes import process_is_alive
from cauce.states import StateType
from cauce.task_runners import ProcessPoolTaskRunner
from tests.conftest import Store
from tests.engine.records import only_run_of
from tests.engine.scripts import RunningScript, run, write_script

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.store_kinds("each test starts a pool of Python processes", "sqlite", "http"),
]

HEADER = """
import os
from cauce import flow, get_run_logger, task
from cauce.context import FlowRunContext
from cauce.task_runners import ProcessPoolTaskRunner


def say_flow_run() -> None:
    context = FlowRunContext.get()
    print("FLOW", context.flow.name, context.flow_run.id, os.getpid())
"""


def _flow_runs(stdout: str) -> dict[str, tuple[uuid.UUID, int]]:
    """The flow runs a script printed: name -> (id, pid of the flow's process)."""
    found = {}
    for line in stdout.splitlines():
        if line.startswith("FLOW "):
            _, name, run_id, pid = line.split()
            found[name] = (uuid.UUID(run_id), int(pid))
    return found


def _log_lines(store: Store, flow_run_id: uuid.UUID) -> list[str]:
    lines: list[str] = []
    after = 0
    while page := store.client.read_logs(flow_run_id, after_id=after):
        lines += [entry.message for _, entry in page]
        after = page[-1][0]
    return lines


def test_tasks_run_in_other_processes_and_are_recorded(store: Store, tmp_path: Path) -> None:
    done = run(
        tmp_path,
        HEADER
        + """
@task
def double(x: int) -> int:
    get_run_logger().info("doubling %d on pid %d", x, os.getpid())
    return 2 * x


@task
def add(a: int, b: int) -> int:
    return a + b


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def crunch() -> int:
    say_flow_run()
    doubled = double.map(range(6))
    return add.submit(doubled[0], doubled[5]).result() + sum(doubled.result())


if __name__ == "__main__":
    import multiprocessing

    print("RESULT", crunch())
    print("CHILDREN", len(multiprocessing.active_children()))
""",
    )
    assert done.returncode == 0, done.stderr
    assert "RESULT 40" in done.stdout  # 0 + 10, then 0 + 2 + ... + 10
    assert "CHILDREN 0" in done.stdout  # the pool was shut down with the flow run
    flow_run_id, flow_pid = _flow_runs(done.stdout)["crunch"]

    runs = store.client.read_task_runs(flow_run_id)
    assert sorted(r.name for r in runs) == ["add-0"] + [f"double-{i}" for i in range(6)]
    for task_run in runs:
        states = [s.type for s in store.client.read_task_run_states(task_run.id)]
        assert states == [StateType.PENDING, StateType.RUNNING, StateType.COMPLETED]
    lines = _log_lines(store, flow_run_id)
    doubling = [line for line in lines if line.startswith("doubling ")]
    assert len(doubling) == 6
    pids = {int(line.rsplit(" ", 1)[1]) for line in doubling}
    assert flow_pid not in pids and len(pids) <= 2
    assert sum("Finished in state Completed()" in line for line in lines) == 8


def test_a_failing_task_fails_its_flow_and_retries_work(store: Store, tmp_path: Path) -> None:
    done = run(
        tmp_path,
        HEADER
        + """
from pathlib import Path


@task(retries=2)
def flaky(path: str) -> str:
    marker = Path(path)
    if not marker.exists():
        marker.write_text("tried")
        raise RuntimeError("first attempt fails")
    return "second attempt"


@task
def explode(x: int) -> int:
    raise ValueError(f"no {x}")


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def failing() -> list[int]:
    say_flow_run()
    print("RETRIED", flaky.submit("marker").result())
    return explode.map([1, 2]).result()


if __name__ == "__main__":
    failing()
""",
    )
    assert done.returncode == 1
    assert "RETRIED second attempt" in done.stdout
    assert "ValueError: no 1" in done.stderr
    flow_run_id = _flow_runs(done.stdout)["failing"][0]
    assert store.client.read_flow_run(flow_run_id).state.type is StateType.FAILED
    runs = {r.name: r for r in store.client.read_task_runs(flow_run_id)}
    assert runs["flaky-0"].state.type is StateType.COMPLETED
    assert runs["flaky-0"].run_count == 2
    assert {runs["explode-0"].state.type, runs["explode-1"].state.type} == {StateType.FAILED}
    lines = _log_lines(store, flow_run_id)
    assert any("Retry 1/2" in line for line in lines)


def test_a_task_that_kills_its_process_is_crashed_and_the_flow_goes_on(
    store: Store, tmp_path: Path
) -> None:
    done = run(
        tmp_path,
        HEADER
        + """
import threading
import time


@task
def die() -> None:
    time.sleep(0.5)  # the other runs are queued behind it, not started
    os._exit(3)


@task
def later(x: int) -> int:
    return x


@task
def takes(lock: object) -> int:
    return 1


@flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
def doomed() -> int:
    say_flow_run()
    dying = die.submit()
    queued = later.map(range(3))
    dying.wait()
    print("DIED", dying.state.type.value)
    try:
        takes.submit(threading.Lock())
    except TypeError as exc:
        print("REFUSED", exc)
    return sum(queued.result())


if __name__ == "__main__":
    state = doomed(return_state=True)
    print("OUTCOME", state.type.value, state.result())
""",
    )
    assert done.returncode == 0, done.stderr
    assert "DIED CRASHED" in done.stdout
    assert "REFUSED cannot pickle '_thread.lock' object" in done.stdout
    assert "OUTCOME COMPLETED 3" in done.stdout
    flow_run_id = _flow_runs(done.stdout)["doomed"][0]
    states = {r.name: r.state.type for r in store.client.read_task_runs(flow_run_id)}
    # The runs queued behind the dead one ran on a fresh pool.
    assert states == {
        "die-0": StateType.CRASHED,
        "later-0": StateType.COMPLETED,
        "later-1": StateType.COMPLETED,
        "later-2": StateType.COMPLETED,
        "takes-0": StateType.CRASHED,
    }


def test_a_script_running_its_flow_on_import_is_told_why_its_runs_crash(
    store: Store, tmp_path: Path
) -> None:
    # A pool process imports the script again: without `if __name__ == "__main__":`
    # it runs the flow there too, and dies before running any task.
    done = run(
        tmp_path,
        HEADER
        + """
@task
async def one() -> int:
    return 1


@flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
def unguarded() -> int:
    return one.submit().result()


unguarded()
""",
    )
    assert done.returncode == 1
    assert 'does it run its flow under `if __name__ == "__main__":`?' in done.stderr


def test_the_runner_defaults_to_the_cpu_count_and_duplicates_its_options() -> None:
    import os
    import sys

    def setup(x: int) -> None:
        pass

    cpus = os.cpu_count() or 1
    expected = min(cpus, 61) if sys.platform == "win32" else cpus
    assert ProcessPoolTaskRunner().max_workers == expected
    runner = ProcessPoolTaskRunner(3, initializer=setup, initargs=(1,))
    copy = runner.duplicate()
    assert (copy.max_workers, copy.initializer, copy.initargs) == (3, setup, (1,))
    with pytest.raises(ValueError, match="max_workers"):
        ProcessPoolTaskRunner(0)


def test_sigterm_ends_the_pools_processes_and_the_flow_at_once(
    store: Store, tmp_path: Path
) -> None:
    script = RunningScript(
        write_script(
            tmp_path,
            HEADER
            + """
import time
from pathlib import Path


@task
def slow(n: int) -> int:
    Path(f"pid-{n}").write_text(str(os.getpid()))
    time.sleep(60)
    return n


@flow(task_runner=ProcessPoolTaskRunner(2))
def long_job() -> None:
    futures = [slow.submit(n) for n in range(2)]
    get_run_logger().info("both submitted")
    [future.result() for future in futures]


if __name__ == "__main__":
    long_job()
""",
        )
    )
    pids = [tmp_path / f"pid-{n}" for n in range(2)]
    try:
        script.wait_for_line("both submitted")
        deadline = time.monotonic() + 30
        while not all(p.exists() and p.read_text() for p in pids):  # both tasks running
            assert time.monotonic() < deadline, script.stderr
            time.sleep(0.05)
        script.process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        assert script.finish(timeout=20) == 143  # 128 + SIGTERM, as Python dies of it
        assert time.monotonic() - sent < 10  # not the tasks' 60 s
    finally:
        script.kill()
        for pid in [int(p.read_text()) for p in pids if p.exists() and p.read_text()]:
            if process_is_alive(pid):  # the pool's processes, left by a failure
                os.kill(pid, signal.SIGKILL)
    assert not any(process_is_alive(int(p.read_text())) for p in pids)
    run = only_run_of(store, "long-job")
    assert run.flow_run.state.name == "Crashed"
    assert {t.state.message for t in run.task_runs} == {
        "Task run was stopped by a termination signal (SIGTERM)."
    }
