"""`cauce flow-run ls | inspect | logs | delete` as a user runs them: a real script, then `cauce`.

The variants of each option are in test_cli_options.py, run in this process.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cauce.client.base import NotFound
from cauce.client.embedded import EmbeddedClient
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Late, Scheduled


def _row(output: str, run_id: str) -> str:
    """The table row of `run_id` in a command's output."""
    rows = [line for line in output.splitlines() if run_id in line]
    assert len(rows) == 1, output
    return rows[0]


class TestList:
    def test_lists_runs_newest_first_with_flow_and_state(self, cli, recorded):
        result = cli(recorded.env, "flow-run", "ls")
        assert result.returncode == 0, result.stderr
        assert "mi-flujo" in _row(result.stdout, recorded.completed)
        assert "Completed" in _row(result.stdout, recorded.completed)
        assert "Failed" in _row(result.stdout, recorded.failed)
        order = [result.stdout.index(i) for i in (recorded.failed, recorded.completed)]
        assert order == sorted(order)

    def test_state_filter_keeps_only_failed_runs(self, cli, recorded):
        result = cli(recorded.env, "flow-run", "ls", "--state", "failed")
        assert result.returncode == 0, result.stderr
        assert recorded.failed in result.stdout
        assert recorded.completed not in result.stdout


class TestListWaitingRuns:
    """Runs waiting to start are listed by when they are due, soonest first."""

    def test_scheduled_runs_are_listed_soonest_first(self, cli, store, store_env):
        now = datetime.now(UTC)
        # Created in an order that is neither their due order nor its reverse.
        waiting = {
            "en-tres-horas": Scheduled(scheduled_time=now + timedelta(hours=3)),
            "en-una-hora": Scheduled(scheduled_time=now + timedelta(hours=1)),
            "atrasada": Late(now - timedelta(hours=1)),
            "en-dos-horas": Scheduled(scheduled_time=now + timedelta(hours=2)),
        }
        for name, state in waiting.items():
            store.client.create_flow_run(FlowRun(uuid.uuid4(), "esperar", name, state), None)
        scheduled, with_late = cli.all(
            store_env,
            ["flow-run", "ls", "--state", "SCHEDULED"],
            ["flow-run", "ls", "--state", "scheduled", "--state", "late"],
        )
        soonest_first = ["atrasada", "en-una-hora", "en-dos-horas", "en-tres-horas"]
        assert _names_in_order(scheduled.stdout, soonest_first) == soonest_first
        assert _names_in_order(with_late.stdout, soonest_first) == soonest_first


def _names_in_order(output: str, names: list[str]) -> list[str]:
    assert all(name in output for name in names), output
    return sorted(names, key=output.index)


class TestInspect:
    def test_shows_state_parameters_history_task_runs_and_subflows(self, cli, recorded):
        result = cli(recorded.env, "flow-run", "inspect", recorded.completed)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert recorded.completed in out
        assert "mi-flujo" in out
        assert '"mensaje_flujo": "mundo"' in out
        assert "State history" in out
        history = out.split("State history")[1].split("Task runs")[0]
        rows = [line.split("│") for line in history.splitlines() if line.startswith("│")]
        assert [row[2].strip() for row in rows] == ["Pending", "Running", "Completed"]
        assert "All states completed." in out
        assert "mi_tarea-0" in out.split("Task runs")[1]
        assert recorded.subflow in out.split("Subflow runs")[1]


class TestLogs:
    def test_prints_the_lines_as_the_terminal_did_in_local_time(self, cli, recorded):
        result = cli(recorded.env, "flow-run", "logs", recorded.completed)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert any(
            line.endswith("| INFO    | Task run 'mi_tarea-0' - Hola mundo desde la tarea")
            for line in lines
        )
        terminal = recorded.terminal.splitlines()
        assert [line for line in lines if line not in terminal] == []
        # The first stored line's time, converted by hand, is what the command shows.
        client = EmbeddedClient(f"sqlite:///{recorded.env['CAUCE_HOME']}/cauce.db")
        [(_, first)] = client.read_logs(uuid.UUID(recorded.completed), limit=1)
        client.close()
        local = first.timestamp.astimezone(ZoneInfo(recorded.env["TZ"]))
        assert lines[0].startswith(f"{local:%H:%M:%S}.{local.microsecond // 1000:03d} | ")


FOLLOWED = """
import sys, time
from pathlib import Path
from cauce import flow, get_run_logger, runtime

@flow
def lento(folder: str):
    get_run_logger().info("uno")
    Path(folder, "run-id").write_text(str(runtime.flow_run.id))
    while not Path(folder, "go").exists():  # the test says when the follower has seen "uno"
        time.sleep(0.05)
    get_run_logger().info("dos")

lento(sys.argv[1])
"""


def test_follow_prints_new_lines_until_the_run_ends(cli, start_script, tmp_path):
    env = {"CAUCE_HOME": str(tmp_path / "home")}
    script, id_file = tmp_path / "lento.py", tmp_path / "run-id"
    script.write_text(FOLLOWED)
    flow_process = start_script(env, script, str(tmp_path))
    deadline = time.monotonic() + 30
    while not id_file.exists() or not id_file.read_text():
        assert flow_process.poll() is None, "the flow script ended before its run started"
        assert time.monotonic() < deadline
        time.sleep(0.05)

    follower = cli.start(env, "flow-run", "logs", id_file.read_text(), "--follow")
    try:
        seen = []
        while not seen or not seen[-1].endswith(" - uno\n"):
            seen.append(follower.stdout.readline())
            assert seen[-1], f"the follower stopped early: {follower.stderr.read()}"
        assert follower.poll() is None, "the follower must wait while the run is going"
        (tmp_path / "go").touch()
        rest, errors = follower.communicate(timeout=30)
    finally:
        follower.kill()
        follower.wait()

    assert follower.returncode == 0, errors
    lines = ("".join(seen) + rest).splitlines()
    messages = [line.split(" - ", 1)[1] for line in lines]
    assert messages[-3:] == ["uno", "dos", "Finished in state Completed('All states completed.')"]
    assert flow_process.wait(timeout=30) == 0


class TestOnEachStore:
    """The whole journey on SQLite and on PostgreSQL: record, list, inspect, read, delete."""

    def test_recorded_run_can_be_listed_inspected_read_and_deleted(
        self, cli, store, store_env, record_runs
    ):
        runs = record_runs(store_env)
        listed, inspected, logs = cli.all(
            store_env,
            ["flow-run", "ls", "--state", "completed"],
            ["flow-run", "inspect", runs.completed],
            ["flow-run", "logs", runs.completed],
        )
        assert "Completed" in _row(listed.stdout, runs.completed), listed.stderr
        assert runs.failed not in listed.stdout
        assert "mi_tarea-0" in inspected.stdout, inspected.stderr
        assert "Task run 'mi_tarea-0' - Hola mundo desde la tarea" in logs.stdout, logs.stderr

        deleted = cli(store_env, "flow-run", "delete", runs.completed)
        assert deleted.returncode == 0, deleted.stderr
        assert deleted.stdout.startswith("Deleted flow run '")
        assert runs.completed in deleted.stdout

        run_id = uuid.UUID(runs.completed)
        with pytest.raises(NotFound):
            store.client.read_flow_run(run_id)
        assert store.client.read_task_runs(run_id) == []
        assert store.client.read_logs(run_id) == []
        assert store.client.read_flow_run(uuid.UUID(runs.failed)).state.is_failed()

        gone = cli(store_env, "flow-run", "inspect", runs.completed)
        assert gone.returncode == 1
        assert gone.stderr == f"Flow run {runs.completed} not found\n"
        assert gone.stdout == ""


PAUSES = """
from cauce import flow, get_run_logger, pause_flow_run

@flow
def espera_aprobacion() -> None:
    pause_flow_run(timeout=60)
    get_run_logger().info("aprobado")

if __name__ == "__main__":
    espera_aprobacion()
"""


class TestResume:
    def test_a_paused_script_goes_on_when_resumed_and_a_second_resume_says_why(
        self, cli, store, store_env, start_script, tmp_path
    ):
        from cauce.schemas.flow_runs import FlowRunFilter
        from cauce.states import StateType
        from tests.workers.conftest import wait_for

        script = tmp_path / "espera.py"
        script.write_text(PAUSES)
        process = start_script(store_env, script)

        def paused() -> FlowRun | None:
            runs = store.client.read_flow_runs(FlowRunFilter(flow_name="espera-aprobacion"))
            return next((r for r in runs if r.state.type is StateType.PAUSED), None)

        run = wait_for(paused, seconds=30)
        listed = cli(store_env, "flow-run", "ls")
        assert "Paused" in _row(listed.stdout, str(run.id))
        resumed = cli(store_env, "flow-run", "resume", str(run.id))
        assert resumed.returncode == 0, resumed.stderr
        assert f"Flow run {run.name!r} ({run.id}) is resumed: Running." in resumed.stdout
        assert process.wait(30) == 0
        assert store.client.read_flow_run(run.id).state.type is StateType.COMPLETED
        again = cli(store_env, "flow-run", "resume", str(run.id))
        assert again.returncode == 1
        assert "is not paused: it is Completed(" in again.stderr
        assert "Traceback" not in again.stderr
