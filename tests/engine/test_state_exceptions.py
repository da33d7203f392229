"""Prefect's `get_state_exception` / `raise_state_exception`, MissingResult, and the one
base exception (`PrefectException`) that catches what cauce raises about runs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from cauce import flow, task
from cauce.client.factory import get_client
from cauce.context import get_run_context
from cauce.exceptions import (
    CancelledRun,
    CauceException,
    CrashedRun,
    FailedRun,
    MissingContextError,
    MissingResult,
    PrefectException,
    UnfinishedRun,
)
from cauce.states import (
    Cancelled,
    Completed,
    Crashed,
    Failed,
    Running,
    State,
    get_state_exception,
    raise_state_exception,
)
from tests.conftest import Store, run_script


@task
def divide(a: int, b: int) -> float:
    return a / b


class TestGetStateException:
    def test_a_failed_task_runs_exception_is_given_and_raised(self, store: Store) -> None:
        @flow
        def careful() -> list[str]:
            state = divide(1, 0, return_state=True)
            seen = [type(get_state_exception(state)).__name__]
            try:
                raise_state_exception(state)
            except ZeroDivisionError as exc:
                seen.append(f"raised {exc}")
            raise_state_exception(divide(4, 2, return_state=True))
            return seen

        assert careful() == ["ZeroDivisionError", "raised division by zero"]

    def test_a_state_without_exception_gives_its_types_error_with_its_message(self) -> None:
        assert repr(get_state_exception(Failed(message="no data"))) == "FailedRun('no data')"
        assert repr(get_state_exception(Failed())) == "FailedRun('Run failed.')"
        assert repr(get_state_exception(Crashed())) == "CrashedRun('Run crashed.')"
        assert repr(get_state_exception(Cancelled())) == "CancelledRun('Run cancelled.')"
        assert repr(get_state_exception(Failed(data="as text"))) == "FailedRun('as text')"

    def test_a_state_carrying_states_gives_the_first_failures(self) -> None:
        inner = Failed(data=KeyError("k"))
        assert isinstance(get_state_exception(Failed(data=[Completed(data=1), inner])), KeyError)

    def test_a_state_that_did_not_fail_is_a_value_error_and_raises_nothing(self) -> None:
        for state in (Completed(data=1), Running()):
            with pytest.raises(ValueError, match="Expected failed or crashed state got"):
                get_state_exception(state)
            assert raise_state_exception(state) is None

    def test_a_value_that_is_no_exception_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="int cannot be resolved into an exception"):
            get_state_exception(Failed(data=5))

    def test_in_async_code_each_is_awaited(self, store: Store) -> None:
        @flow
        async def careful() -> str:
            state = divide(1, 0, return_state=True)
            error = await get_state_exception(state)
            try:
                await raise_state_exception(state)
            except ZeroDivisionError:
                return f"{type(error).__name__} raised"
            return "not raised"

        assert asyncio.run(careful()) == "ZeroDivisionError raised"


class TestResult:
    def test_a_completed_state_made_without_data_has_a_missing_result(self) -> None:
        with pytest.raises(MissingResult, match="State data is missing"):
            Completed().result()

    def test_a_completed_run_read_back_from_the_store_has_a_missing_result(
        self, store: Store
    ) -> None:
        @flow
        def three() -> int:
            return 3

        state = three(return_state=True)
        assert state.result() == 3
        run_id = state.state_details.flow_run_id
        assert run_id is not None
        with pytest.raises(MissingResult):
            get_client().read_flow_run(run_id).state.result()

    def test_a_flow_returning_a_completed_state_without_data_gives_none(self, store: Store) -> None:
        @flow
        def done() -> State:
            return Completed(message="done")

        state = done(return_state=True)
        assert state.message == "done" and state.result() is None

    def test_without_raising_a_failed_state_gives_its_exception(self) -> None:
        returned = Failed(message="kept").result(raise_on_failure=False)
        assert type(returned) is FailedRun and str(returned) == "kept"


class TestOneBaseException:
    def test_prefect_exception_catches_what_cauce_raises_about_runs(self) -> None:
        caught = []
        for make in (Completed().result, Failed(message="f").result, get_run_context):
            try:
                make()
            except PrefectException as exc:
                caught.append(type(exc).__name__)
        assert caught == ["MissingResult", "FailedRun", "MissingContextError"]
        assert PrefectException is CauceException
        for error in (CrashedRun, CancelledRun, UnfinishedRun):
            assert issubclass(error, PrefectException)
        assert issubclass(MissingContextError, RuntimeError)  # still caught as before

    @pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX's")
    def test_termination_signal_is_caught_by_name_after_sigterm(self, tmp_path: Path) -> None:
        script = tmp_path / "stopped.py"
        script.write_text(SIGTERM_SCRIPT)
        done = run_script(script, {"CAUCE_HOME": str(tmp_path / "home")})
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["caught TerminationSignal"]
        assert "stopped by a termination signal (SIGTERM)" in done.stderr


SIGTERM_SCRIPT = """\
import os, signal, time
from cauce import flow
from cauce.exceptions import TerminationSignal

@flow
def stopped() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)

try:
    stopped()
except TerminationSignal:
    print("caught TerminationSignal")
"""
