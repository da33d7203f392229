"""What user code did, as the final state a run proposes: type, name, message and result.

The messages are Prefect's (alerts match on them), and `result()` of a state
made from an exception raises that same exception.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from cauce.engine import outcome
from cauce.engine.outcome import (
    awaiting_retry,
    exception_summary,
    flow_state_from_return,
    is_interruption,
    state_from_exception,
)
from cauce.engine.timeouts import timeout_error
from cauce.exceptions import TaskRunTimeoutError
from cauce.states import Cancelled, Completed, Crashed, Failed, Running, State, now_utc


def timed_out(seconds: float) -> TimeoutError:
    """A TimeoutError as cauce's time limits raise it."""
    return timeout_error(seconds, TaskRunTimeoutError)


def assert_state(state: State, name: str, type_name: str, message: str, data: Any) -> None:
    assert (state.name, state.type.value, state.message) == (name, type_name, message)
    assert state.data is data
    if isinstance(data, BaseException):
        with pytest.raises(type(data)) as raised:
            state.result()
        assert raised.value is data


class TestIsInterruption:
    @pytest.mark.parametrize(
        "exc",
        [KeyboardInterrupt(), outcome.TerminationSignal(), asyncio.CancelledError()],
        ids=["KeyboardInterrupt", "TerminationSignal", "CancelledError"],
    )
    def test_ctrl_c_sigterm_and_cancellation_stop_a_run_from_outside(
        self, exc: BaseException
    ) -> None:
        assert is_interruption(exc)

    @pytest.mark.parametrize(
        "exc",
        [ValueError("x"), SystemExit(1), GeneratorExit(), timed_out(1), TimeoutError()],
        ids=["ValueError", "SystemExit", "GeneratorExit", "cauce-timeout", "TimeoutError"],
    )
    def test_other_exceptions_are_the_run_s_own(self, exc: BaseException) -> None:
        assert not is_interruption(exc)

    def test_the_termination_signal_exits_with_the_sigterm_status(self) -> None:
        assert outcome.TerminationSignal().code == 143


class TestExceptionSummary:
    def test_type_and_message(self) -> None:
        assert exception_summary(ValueError("boom")) == "ValueError: boom"

    def test_type_alone_when_there_is_no_message(self) -> None:
        assert exception_summary(KeyError()) == "KeyError"
        assert exception_summary(RuntimeError("")) == "RuntimeError"


class TestStateFromException:
    @pytest.mark.parametrize("kind", ["Flow run", "Task run"])
    def test_keyboard_interrupt_is_cancelled(self, kind: str) -> None:
        exc = KeyboardInterrupt()
        state = state_from_exception(exc, kind)
        message = f"{kind} was interrupted (KeyboardInterrupt)."
        assert_state(state, "Cancelled", "CANCELLED", message, exc)

    @pytest.mark.parametrize("kind", ["Flow run", "Task run"])
    def test_sigterm_is_crashed(self, kind: str) -> None:
        exc = outcome.TerminationSignal()
        state = state_from_exception(exc, kind)
        message = f"{kind} was stopped by a termination signal (SIGTERM)."
        assert_state(state, "Crashed", "CRASHED", message, exc)

    @pytest.mark.parametrize("kind", ["Flow run", "Task run"])
    def test_asyncio_cancellation_is_cancelled(self, kind: str) -> None:
        exc = asyncio.CancelledError()
        state = state_from_exception(exc, kind)
        message = f"{kind} was cancelled (asyncio.CancelledError)."
        assert_state(state, "Cancelled", "CANCELLED", message, exc)

    @pytest.mark.parametrize(
        ("exc", "shown"),
        [(SystemExit(2), "SystemExit: 2"), (GeneratorExit(), "GeneratorExit")],
        ids=["SystemExit", "GeneratorExit"],
    )
    def test_exiting_early_is_crashed(self, exc: BaseException, shown: str) -> None:
        state = state_from_exception(exc, "Task run")
        assert_state(state, "Crashed", "CRASHED", f"Task run exited early ({shown}).", exc)

    @pytest.mark.parametrize("kind", ["Flow run", "Task run"])
    def test_cauce_time_limit_is_timed_out(self, kind: str) -> None:
        exc = timed_out(2.5)
        state = state_from_exception(exc, kind)
        message = f"{kind} exceeded timeout of 2.5 second(s)"
        assert_state(state, "TimedOut", "FAILED", message, exc)

    def test_a_timeout_error_of_the_user_s_own_is_a_failure(self) -> None:
        exc = TimeoutError("socket")
        state = state_from_exception(exc, "Task run")
        message = "Task run encountered an exception TimeoutError: socket"
        assert_state(state, "Failed", "FAILED", message, exc)

    def test_an_attribute_named_like_the_limit_does_not_make_other_errors_time_out(
        self,
    ) -> None:
        exc = ValueError("bad")
        exc.seconds = 3  # type: ignore[attr-defined]
        assert state_from_exception(exc, "Task run").name == "Failed"

    def test_flow_run_failure_has_a_colon_task_run_failure_has_none(self) -> None:
        exc = ValueError("boom")
        flow_state = state_from_exception(exc, "Flow run")
        task_state = state_from_exception(exc, "Task run")
        assert_state(
            flow_state,
            "Failed",
            "FAILED",
            "Flow run encountered an exception: ValueError: boom",
            exc,
        )
        assert_state(
            task_state,
            "Failed",
            "FAILED",
            "Task run encountered an exception ValueError: boom",
            exc,
        )


class TestAwaitingRetry:
    def test_the_retry_is_due_after_the_delay_with_the_failure_s_message(self) -> None:
        failed = Failed("Task run encountered an exception ValueError: x")
        before = now_utc()
        state = awaiting_retry(failed, 2.5)
        assert (state.name, state.type.value, state.message) == (
            "AwaitingRetry",
            "SCHEDULED",
            failed.message,
        )
        assert state.timestamp > before
        assert state.scheduled_time == state.timestamp + timedelta(seconds=2.5)


class TestFlowStateFromReturn:
    def test_a_returned_final_state_is_the_flow_s_own(self) -> None:
        error = ValueError("inner")
        returned = Failed("it failed", data=error)
        state = flow_state_from_return(returned, [], 0)
        assert state is not returned
        assert_state(state, "Failed", "FAILED", "it failed", error)

    def test_a_returned_state_keeps_its_name(self) -> None:
        returned = Crashed("gone")
        returned.name = "Lost"
        state = flow_state_from_return(returned, [], 0)
        assert (state.name, state.type.value) == ("Lost", "CRASHED")

    def test_a_returned_unfinished_state_is_just_a_value(self) -> None:
        running = Running()
        state = flow_state_from_return(running, [], 0)
        assert state.name == "Completed" and state.result() is running

    def test_returned_states_that_all_completed_complete_the_flow(self) -> None:
        states = [Completed(data=1), Completed(data=2)]
        state = flow_state_from_return(states, [], 2)
        assert_state(state, "Completed", "COMPLETED", "All states completed.", states)

    def test_returned_states_with_a_failure_fail_with_its_exception(self) -> None:
        error = RuntimeError("second")
        states = [Completed(data=1), Failed("no", data=error), Cancelled("stop")]
        state = flow_state_from_return(states, [], 3)
        assert_state(state, "Failed", "FAILED", "2/3 states failed.", error)

    def test_returned_failures_without_an_exception_carry_the_returned_value(self) -> None:
        states = (Cancelled("stop"),)
        state = flow_state_from_return(states, [], 1)
        assert (state.name, state.message) == ("Failed", "1/1 states failed.")
        assert state.data is states

    def test_an_unseen_failed_task_run_fails_the_flow(self) -> None:
        error = ValueError("unseen")
        state = flow_state_from_return("value", [Failed("x", data=error)], 4)
        assert_state(state, "Failed", "FAILED", "1/4 states failed.", error)

    def test_unseen_failures_count_at_least_themselves(self) -> None:
        failures = [Failed("a"), Failed("b")]
        state = flow_state_from_return(None, failures, 0)
        assert state.message == "2/2 states failed."
        assert state.data is None and state.result(raise_on_failure=False) is None

    def test_an_unseen_failure_without_an_exception_carries_the_value(self) -> None:
        state = flow_state_from_return(42, [Crashed("gone")], 1)
        assert state.data == 42

    def test_none_reports_on_the_children(self) -> None:
        state = flow_state_from_return(None, [], 3)
        assert_state(state, "Completed", "COMPLETED", "All states completed.", None)

    @pytest.mark.parametrize("value", [0, "", [], "done"], ids=repr)
    def test_any_other_value_is_the_result(self, value: object) -> None:
        state = flow_state_from_return(value, [], 0)
        assert (state.name, state.message) == ("Completed", None)
        assert state.result() is value

    def test_an_empty_list_is_a_value_not_a_list_of_states(self) -> None:
        state = flow_state_from_return([], [], 0)
        assert state.message is None

    def test_a_list_mixing_states_and_values_is_a_value(self) -> None:
        mixed = [Completed(data=1), 2]
        state = flow_state_from_return(mixed, [], 1)
        assert state.message is None and state.result() is mixed
