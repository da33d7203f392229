"""The variants of each `cauce flow-run` option, run through `main()` in this process.

The user journeys, each in a fresh interpreter, are in test_cli_flow_run.py.
"""

from __future__ import annotations

import pytest


class TestStateFilter:
    @pytest.mark.parametrize("value", ["failed", "FAILED", "Failed"])
    def test_type_in_any_case(self, run_main, recorded, value):
        result = run_main(recorded.env, "flow-run", "ls", "--state", value)
        assert result.returncode == 0, result.stderr
        assert recorded.failed in result.stdout
        assert recorded.completed not in result.stdout

    def test_types_and_names_mixed_give_either(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "-s", "late", "-s", "COMPLETED")
        assert result.returncode == 0, result.stderr
        assert recorded.completed in result.stdout
        assert recorded.subflow in result.stdout
        assert recorded.failed not in result.stdout

    def test_name_alone(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--state", "timedout")
        assert result.stdout == "No flow runs found.\n"

    def test_unknown_state_names_the_valid_ones(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--state", "bogus")
        assert result.returncode == 1
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("'bogus' is not a state; use a type (SCHEDULED, PENDING,")
        assert "a name (Late, AwaitingRetry, Retrying, Cached, TimedOut)" in line


class TestFlowAndLimit:
    def test_flow_keeps_that_flows_runs(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--flow", "subflujo")
        assert recorded.subflow in result.stdout
        assert recorded.completed not in result.stdout

    def test_limit_keeps_the_newest(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--limit", "1")
        assert recorded.failed in result.stdout
        assert recorded.completed not in result.stdout

    def test_no_runs_says_so(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--flow", "no-such-flow")
        assert result.returncode == 0
        assert result.stdout == "No flow runs found.\n"

    def test_limit_below_one_is_a_usage_error(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "ls", "--limit", "0")
        assert result.returncode == 2
        assert "--limit" in result.stderr


class TestInspect:
    def test_failed_run_shows_its_message_with_brackets_as_is(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "inspect", recorded.failed)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        [state] = [line for line in lines if line.split()[:3] == ["State", "Failed", "-"]]
        assert "ValueError: se rompio [a proposito]" in state
        assert "Task runs: none" in result.stdout
        assert "Subflow runs: none" in result.stdout

    def test_times_are_local(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "inspect", recorded.completed)
        assert " IST" in result.stdout  # Asia/Kolkata, the zone the test runs in


class TestLogLevel:
    @pytest.mark.parametrize("level", ["error", "ERROR", "40"])
    def test_keeps_lines_at_or_above_it(self, run_main, recorded, level):
        result = run_main(recorded.env, "flow-run", "logs", recorded.failed, "--level", level)
        assert result.returncode == 0, result.stderr
        assert "| ERROR   | " in result.stdout
        assert "ValueError: se rompio [a proposito]" in result.stdout
        assert "| INFO    | " not in result.stdout

    def test_unknown_level_names_the_valid_ones(self, run_main, recorded):
        result = run_main(recorded.env, "flow-run", "logs", recorded.failed, "--level", "loud")
        assert result.returncode == 1
        assert result.stderr == (
            "'loud' is not a log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL\n"
        )
