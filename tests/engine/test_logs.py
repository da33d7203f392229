"""Run logs: `get_run_logger()`, `log_prints`, and the terminal lines of SPEC §2."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from pathlib import Path

import pytest

from cauce import flow, get_run_logger, runtime, task
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import only_run_of
from tests.engine.scripts import RUN_NAME


class TestRunLogger:
    def test_lines_are_recorded_with_their_flow_and_task_run(self, store: Store) -> None:
        @task
        def says_hello(name: str) -> uuid.UUID | None:
            get_run_logger().info("Hola %s desde la tarea", name)
            return runtime.task_run.id

        @flow
        def greets() -> uuid.UUID | None:
            get_run_logger().warning("Hola desde el flujo")
            return says_hello("mundo")

        task_run_id = greets()
        run = only_run_of(store, "greets")
        entries = [entry for _, entry in store.client.read_logs(run.flow_run.id)]
        by_message = {entry.message: entry for entry in entries}
        flow_line = by_message["Hola desde el flujo"]
        task_line = by_message["Hola mundo desde la tarea"]
        assert flow_line.flow_run_id == run.flow_run.id and flow_line.task_run_id is None
        assert flow_line.level == logging.WARNING
        assert task_line.flow_run_id == run.flow_run.id and task_line.task_run_id == task_run_id
        assert task_line.level == logging.INFO

    def test_engine_lines_are_recorded_in_order(self, store: Store) -> None:
        @task
        def step() -> None:
            get_run_logger().info("working")

        @flow
        def one_step() -> None:
            step()

        one_step()
        run = only_run_of(store, "one-step")
        assert run.messages == [
            f"Created flow run {run.flow_run.name!r} for flow 'one-step'",
            "Created task run 'step-0' for task 'step'",
            "working",
            "Finished in state Completed()",
            "Finished in state Completed('All states completed.')",
        ]

    def test_min_level_filters_lines(self, store: Store) -> None:
        @flow
        def mixed_levels() -> None:
            logger = get_run_logger()
            logger.debug("not shown at INFO")
            logger.info("info line")
            logger.error("error line")

        mixed_levels()
        run = only_run_of(store, "mixed-levels")
        errors = [e.message for _, e in store.client.read_logs(run.flow_run.id, logging.ERROR)]
        assert errors == ["error line"]
        assert "not shown at INFO" not in run.messages

    def test_exception_traceback_is_recorded_with_the_failure(self, store: Store) -> None:
        @task
        def fails() -> None:
            raise ValueError("boom")

        @flow
        def calls_fails() -> None:
            fails()

        calls_fails(return_state=True)
        messages = only_run_of(store, "calls-fails").messages
        failure = next(m for m in messages if m.startswith("Task run failed with exception"))
        assert "Traceback (most recent call last)" in failure
        assert "ValueError: boom" in failure

    def test_outside_a_run_get_run_logger_raises_a_clear_error(self) -> None:
        with pytest.raises(RuntimeError, match="outside a flow or task run"):
            get_run_logger()


class TestLogPrints:
    def test_print_goes_to_the_run_logs_with_log_prints(self, store: Store) -> None:
        @task
        def prints_in_task() -> None:
            print("from the task")

        @flow(log_prints=True)
        def prints() -> None:
            print("from the flow")
            prints_in_task()

        prints()
        run = only_run_of(store, "prints")
        entries = {e.message: e for _, e in store.client.read_logs(run.flow_run.id)}
        assert entries["from the flow"].task_run_id is None
        assert entries["from the task"].task_run_id == run.task_run("prints_in_task-0").id

    def test_print_stays_on_stdout_without_log_prints(
        self, store: Store, capsys: pytest.CaptureFixture[str]
    ) -> None:
        @flow
        def prints_plainly() -> None:
            print("only on stdout")

        prints_plainly()
        assert "only on stdout" in capsys.readouterr().out
        assert "only on stdout" not in only_run_of(store, "prints-plainly").messages

    def test_task_can_turn_log_prints_off_inside_a_flow_with_it_on(self, store: Store) -> None:
        @task(log_prints=False)
        def quiet() -> None:
            print("not logged")

        @flow(log_prints=True)
        def loud() -> None:
            quiet()

        loud()
        assert "not logged" not in only_run_of(store, "loud").messages

    def test_print_to_another_file_is_not_captured(
        self, store: Store, capsys: pytest.CaptureFixture[str]
    ) -> None:
        @flow(log_prints=True)
        def prints_to_stderr() -> None:
            print("to stderr", file=sys.stderr)

        prints_to_stderr()
        assert "to stderr" in capsys.readouterr().err
        assert "to stderr" not in only_run_of(store, "prints-to-stderr").messages


class TestTerminalOutput:
    SCRIPT = """
        from cauce import flow, task, get_run_logger

        @task
        def fails():
            raise ValueError("boom")

        @task
        def greets(name):
            get_run_logger().info("Hola %s", name)

        @flow
        def mi_flujo():
            get_run_logger().info("Empezando")
            greets("mundo")
            fails(return_state=True)
            return "listo"

        if __name__ == "__main__":
            mi_flujo()
    """

    def test_lines_have_prefects_shape(self, store: Store, tmp_path: Path) -> None:
        result = scripts.run(tmp_path, self.SCRIPT)
        assert result.returncode == 0, result.stderr
        # Every line is in the shape, but for the failure's traceback.
        traceback = result.stderr.index("Traceback"), result.stderr.index("ValueError: boom\n")
        shown = result.stderr[: traceback[0]] + result.stderr[traceback[1] + 17 :]
        lines = scripts.terminal_lines(shown)
        name = lines[0][2].split("'")[1]
        assert lines[0] == (
            "INFO",
            "cauce.engine",
            f"Created flow run '{name}' for flow 'mi-flujo'",
        )
        flow_source = f"Flow run '{name}'"
        assert lines[1:5] == [
            ("INFO", flow_source, "Empezando"),
            ("INFO", flow_source, "Created task run 'greets-0' for task 'greets'"),
            ("INFO", "Task run 'greets-0'", "Hola mundo"),
            ("INFO", "Task run 'greets-0'", "Finished in state Completed()"),
        ]
        assert lines[5] == ("INFO", flow_source, "Created task run 'fails-0' for task 'fails'")
        assert lines[6] == (
            "ERROR",
            "Task run 'fails-0'",
            "Task run failed with exception: ValueError('boom')",
        )
        assert lines[7] == (
            "ERROR",
            "Task run 'fails-0'",
            "Finished in state Failed('Task run encountered an exception ValueError: boom')",
        )
        assert lines[8] == ("INFO", flow_source, "Finished in state Completed()")
        assert len(lines) == 9
        assert re.fullmatch(RUN_NAME, name)

    def test_traceback_follows_the_failure_line(self, store: Store, tmp_path: Path) -> None:
        result = scripts.run(tmp_path, self.SCRIPT)
        stderr = result.stderr.splitlines()
        failure = next(
            i for i, line in enumerate(stderr) if line.endswith("exception: ValueError('boom')")
        )
        assert stderr[failure + 1] == "Traceback (most recent call last):"
