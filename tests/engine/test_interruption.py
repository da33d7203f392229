"""A script stopped mid-run (SIGTERM, Ctrl-C) leaves its runs ended, not Running, and
loses nothing it logged before the signal."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from cauce import flow, runtime, task
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import Recorded, names, only_run_of, task_state_names

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TASK_IN_MAIN_THREAD = """
    import time
    from cauce import flow, task, get_run_logger

    @task
    def step():
        get_run_logger().info("step started")
        time.sleep(30)

    @flow
    def long_job():
        get_run_logger().info("flow started")
        step()

    if __name__ == "__main__":
        long_job()
"""

SUBMITTED_TASK = """
    import os, time
    from cauce import flow, task, get_run_logger

    @task
    def step():
        get_run_logger().info("step started")
        while not os.path.exists("release"):  # never created: the task blocks for good
            time.sleep(0.01)

    @flow
    def long_job():
        get_run_logger().info("flow started")
        later = step.submit()
        step.submit(wait_for=[later])
        get_run_logger().info("both submitted")
        later.result()

    if __name__ == "__main__":
        long_job()
"""

ASYNC_FLOW = """
    import asyncio
    from cauce import flow, get_run_logger

    @flow
    async def long_job():
        get_run_logger().info("step started")
        await asyncio.sleep(30)

    if __name__ == "__main__":
        asyncio.run(long_job())
"""

SIGTERM_MESSAGE = "Flow run was stopped by a termination signal (SIGTERM)."


def _interrupt(tmp_path: Path, source: str, signum: int) -> tuple[int, str, float]:
    """Run `source`, send `signum` once it has logged "step started"; its exit status,
    stderr, and the seconds it took to end."""
    script = scripts.RunningScript(scripts.write_script(tmp_path, source))
    try:
        script.wait_for_line("step started")
        sent = time.monotonic()
        script.process.send_signal(signum)
        status = script.finish(timeout=20)
        return status, script.stderr, time.monotonic() - sent
    finally:
        script.kill()


def _stop_while_tasks_run(
    store: Store, tmp_path: Path, signum: int, final: str
) -> tuple[Recorded, int]:
    """Run SUBMITTED_TASK and send `signum` while its task blocks; the record and the status.

    The task never returns (nothing creates its release file): the process must
    still exit at once, its task runs recorded as ended.
    """
    path = scripts.write_script(tmp_path, SUBMITTED_TASK)
    script = scripts.RunningScript(path)
    try:
        script.wait_for_line("step started")
        script.wait_for_line("both submitted")
        script.process.send_signal(signum)
        script.wait_for_line(f"Finished in state {final}(")
        status = script.finish(timeout=10)
        return _wait_until_ended(store), status
    finally:
        script.kill()


def _wait_until_ended(store: Store, timeout: float = 10) -> Recorded:
    """The run of long-job once it and its task runs are recorded ended."""
    deadline = time.monotonic() + timeout
    while True:
        run = only_run_of(store, "long-job")
        ended = run.flow_run.state.is_final() and all(t.state.is_final() for t in run.task_runs)
        if ended and run.messages[-1].startswith("Finished in state"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


class TestSigterm:
    def test_flow_and_task_running_in_the_main_thread_end_crashed(
        self, store: Store, tmp_path: Path
    ) -> None:
        status, stderr, elapsed = _interrupt(tmp_path, TASK_IN_MAIN_THREAD, signal.SIGTERM)
        assert status == 143, stderr
        assert elapsed < 10  # the task sleeps 30 s: it was not waited for
        assert "Traceback" not in stderr
        run = only_run_of(store, "long-job")
        assert run.flow_run.state.name == "Crashed"
        assert run.flow_run.state.message == SIGTERM_MESSAGE
        assert names(run.states) == ["Pending", "Running", "Crashed"]
        assert run.flow_run.end_time is not None
        [task_run] = run.task_runs
        assert task_run.state.name == "Crashed"
        assert task_state_names(store, task_run) == ["Pending", "Running", "Crashed"]

    def test_lines_logged_before_the_signal_are_recorded(
        self, store: Store, tmp_path: Path
    ) -> None:
        _interrupt(tmp_path, TASK_IN_MAIN_THREAD, signal.SIGTERM)
        messages = only_run_of(store, "long-job").messages
        assert messages.index("flow started") < messages.index("step started")
        assert messages[-1] == f"Finished in state Crashed({SIGTERM_MESSAGE!r})"

    def test_submitted_task_runs_are_ended_without_waiting_for_them(
        self, store: Store, tmp_path: Path
    ) -> None:
        run, status = _stop_while_tasks_run(store, tmp_path, signal.SIGTERM, "Crashed")
        assert run.flow_run.state.message == SIGTERM_MESSAGE
        running, waiting = run.task_run("step-0"), run.task_run("step-1")
        assert running.state.name == "Crashed"
        assert running.state.message == "Task run was stopped by a termination signal (SIGTERM)."
        assert waiting.state.name == "Crashed"
        assert "step started" in run.messages
        # The process exited at once, though the task's code never returned.
        assert status == 143
        store.flush()
        assert task_state_names(store, running) == ["Pending", "Running", "Crashed"]


class TestKeyboardInterrupt:
    def test_ctrl_c_ends_the_flow_and_its_task_cancelled(
        self, store: Store, tmp_path: Path
    ) -> None:
        status, stderr, elapsed = _interrupt(tmp_path, TASK_IN_MAIN_THREAD, signal.SIGINT)
        assert status != 0 and "KeyboardInterrupt" in stderr
        assert elapsed < 10  # the task sleeps 30 s: it was not waited for
        run = only_run_of(store, "long-job")
        assert run.flow_run.state.name == "Cancelled"
        assert run.flow_run.state.message == "Flow run was interrupted (KeyboardInterrupt)."
        assert names(run.states) == ["Pending", "Running", "Cancelled"]
        [task_run] = run.task_runs
        assert task_run.state.name == "Cancelled"
        assert "step started" in run.messages

    def test_ctrl_c_in_an_async_flow_ends_it_cancelled(self, store: Store, tmp_path: Path) -> None:
        status, stderr, elapsed = _interrupt(tmp_path, ASYNC_FLOW, signal.SIGINT)
        assert status != 0, stderr
        assert elapsed < 10  # the task sleeps 30 s: it was not waited for
        run = only_run_of(store, "long-job")
        assert run.flow_run.state.name == "Cancelled"
        assert "step started" in run.messages

    def test_ctrl_c_ends_submitted_task_runs_cancelled(self, store: Store, tmp_path: Path) -> None:
        run, status = _stop_while_tasks_run(store, tmp_path, signal.SIGINT, "Cancelled")
        assert status != 0
        assert run.flow_run.state.name == "Cancelled"
        assert {t.state.name for t in run.task_runs} == {"Cancelled"}


class TestInterruptionInProcess:
    def test_keyboard_interrupt_in_a_task_cancels_it_and_its_flow(self, store: Store) -> None:
        seen: list[object] = []

        @task
        def interrupted() -> None:
            raise KeyboardInterrupt

        @flow
        def stopped() -> None:
            seen.append(runtime.flow_run.id)
            interrupted()

        with pytest.raises(KeyboardInterrupt):
            stopped()
        run = only_run_of(store, "stopped")
        assert run.flow_run.id == seen[0]
        assert run.flow_run.state.name == "Cancelled"
        [task_run] = run.task_runs
        assert task_run.state.name == "Cancelled"
        assert task_run.state.message == "Task run was interrupted (KeyboardInterrupt)."

    def test_interrupted_flow_ends_its_running_submissions_without_them(self, store: Store) -> None:
        started, release, finished = threading.Event(), threading.Event(), threading.Event()

        @task
        def blocked() -> str:
            started.set()
            release.wait(10)
            finished.set()
            return "done late"

        @flow
        def stopped_while_submitting() -> None:
            blocked.submit()
            started.wait(10)
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            stopped_while_submitting()
        assert not finished.is_set()
        run = only_run_of(store, "stopped-while-submitting")
        assert run.flow_run.state.name == "Cancelled"
        [task_run] = run.task_runs
        assert task_run.state.name == "Cancelled"
        release.set()
        assert finished.wait(10)
        time.sleep(0.05)
        store.flush()
        assert task_state_names(store, task_run) == ["Pending", "Running", "Cancelled"]
