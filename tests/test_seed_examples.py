"""The user guide's §3 examples (seed/user-guide-es.md), written for Prefect, run with only
the import line changed: same terminal lines (SPEC §2), same recorded runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import flow_runs_of, names, recorded
from tests.guide import ASYNC_EXAMPLE, FIRST_EXAMPLE


def _match(lines: list[tuple[str, str, str]], expected: list[tuple[str, str]]) -> list[str]:
    """Check each (source, message) line against (source regex, message regex), in order;
    the run names the regexes captured."""
    assert len(lines) == len(expected), "\n".join(map(str, lines))
    captured: list[str] = []
    for (level, source, message), (source_re, message_re) in zip(lines, expected, strict=True):
        assert level == "INFO", (level, source, message)
        source_match = re.fullmatch(source_re, source)
        message_match = re.fullmatch(message_re, message)
        assert source_match and message_match, (source, message, source_re, message_re)
        captured += [*source_match.groups(), *message_match.groups()]
    return captured


class TestFirstExample:
    def test_terminal_output_has_the_guides_shape(self, store: Store, tmp_path: Path) -> None:
        result = scripts.run(tmp_path, FIRST_EXAMPLE)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        run_name = rf"({scripts.RUN_NAME})"
        captured = _match(
            scripts.terminal_lines(result.stderr),
            [
                ("cauce.engine", rf"Created flow run '{run_name}' for flow 'mi-flujo'"),
                (rf"Flow run '{run_name}'", "Hola mundo desde el flujo"),
                (rf"Flow run '{run_name}'", "Created task run 'mi_tarea-0' for task 'mi_tarea'"),
                ("Task run 'mi_tarea-0'", "Hola mundo desde la tarea"),
                ("Task run 'mi_tarea-0'", re.escape("Finished in state Completed()")),
                (
                    rf"Flow run '{run_name}'",
                    re.escape("Finished in state Completed('All states completed.')"),
                ),
            ],
        )
        assert len(set(captured)) == 1  # one flow run, named the same on every line

    def test_runs_states_and_logs_are_recorded(self, store: Store, tmp_path: Path) -> None:
        scripts.run(tmp_path, FIRST_EXAMPLE)
        [flow_run] = flow_runs_of(store, "mi-flujo")
        run = recorded(store, flow_run.id)
        assert flow_run.parameters == {"mensaje_flujo": "mundo"}
        assert names(run.states) == ["Pending", "Running", "Completed"]
        assert run.flow_run.state.message == "All states completed."
        [task_run] = run.task_runs
        assert (task_run.name, task_run.state.name) == ("mi_tarea-0", "Completed")
        assert [s.name for s in store.client.read_task_run_states(task_run.id)] == [
            "Pending",
            "Running",
            "Completed",
        ]
        assert run.messages == [
            f"Created flow run '{flow_run.name}' for flow 'mi-flujo'",
            "Hola mundo desde el flujo",
            "Created task run 'mi_tarea-0' for task 'mi_tarea'",
            "Hola mundo desde la tarea",
            "Finished in state Completed()",
            "Finished in state Completed('All states completed.')",
        ]


class TestAsyncSubflowsExample:
    def test_prints_and_terminal_lines(self, store: Store, tmp_path: Path) -> None:
        result = scripts.run(tmp_path, ASYNC_EXAMPLE)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["Subflow 1 started!", "Subflow 2 started!"]
        lines = scripts.terminal_lines(result.stderr)
        name = rf"({scripts.RUN_NAME})"
        finished = re.escape("Finished in state Completed()")
        all_completed = re.escape("Finished in state Completed('All states completed.')")
        captured = _match(
            lines[:7],
            [
                ("cauce.engine", rf"Created flow run '{name}' for flow 'main-flow'"),
                (rf"Flow run '{name}'", rf"Created subflow run '{name}' for flow 'subflow-1'"),
                (rf"Flow run '{name}'", "Created task run 'print_text-0' for task 'print_text'"),
                ("Task run 'print_text-0'", finished),
                (rf"Flow run '{name}'", rf"Created subflow run '{name}' for flow 'subflow-2'"),
                (rf"Flow run '{name}'", "Created task run 'print_text-0' for task 'print_text'"),
                ("Task run 'print_text-0'", finished),
            ],
        )
        main, _, first, first_again, _, second, second_again = captured
        assert first == first_again and second == second_again and first != second
        ends = _match(
            lines[7:],
            [(rf"Flow run '{name}'", all_completed)] * 3,
        )
        assert sorted(ends[:2]) == sorted([first, second]) and ends[2] == main

    def test_subflows_overlap_and_are_linked(self, store: Store, tmp_path: Path) -> None:
        scripts.run(tmp_path, ASYNC_EXAMPLE)
        [main] = flow_runs_of(store, "main-flow")
        run = recorded(store, main.id)
        assert names(run.states) == ["Pending", "Running", "Completed"]
        assert run.flow_run.start_time is not None and run.flow_run.end_time is not None
        subflows = store.client.read_subflow_runs(main.id)
        assert [s.flow_name for s in subflows] == ["subflow-1", "subflow-2"]
        assert {s.state.name for s in subflows} == {"Completed"}
        first, second = subflows
        assert first.start_time and first.end_time and second.start_time and second.end_time
        # Overlap is read from the records, not from a wall-clock bound.
        assert second.start_time < first.end_time and first.start_time < second.end_time
        for subflow in subflows:
            [task_run] = store.client.read_task_runs(subflow.id)
            assert (task_run.name, task_run.state.name) == ("print_text-0", "Completed")
