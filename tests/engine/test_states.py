"""Final states, their messages and repr, and the state history recorded for each run."""

from __future__ import annotations

import uuid

import pytest

from cauce import Cached, Completed, Failed, State, StateType, flow, runtime, task
from cauce.exceptions import CancelledRun, CrashedRun, FailedRun, UnfinishedRun
from cauce.states import Cancelled, Crashed, Running
from tests.conftest import Store
from tests.engine.records import names, only_run_of, recorded, task_state_names


@task
def ok(x: int = 1) -> int:
    return x


@task
def boom() -> None:
    raise ValueError("boom")


class TestFlowFinalState:
    def test_flow_returning_none_completes_with_all_states_completed(self, store: Store) -> None:
        @flow
        def calls_a_task() -> None:
            ok()

        state = calls_a_task(return_state=True)
        assert repr(state) == "Completed('All states completed.')"
        assert state.type is StateType.COMPLETED
        assert state.result() is None

    def test_flow_returning_a_value_completes_with_no_message(self, store: Store) -> None:
        @flow
        def returns_seven() -> int:
            return 7

        state = returns_seven(return_state=True)
        assert repr(state) == "Completed()"
        assert state.result() == 7
        assert returns_seven() == 7

    def test_unobserved_failed_submissions_fail_the_flow_with_a_count(self, store: Store) -> None:
        @flow
        def submits_three() -> None:
            ok.submit()
            boom.submit()
            ok.submit()

        state = submits_three(return_state=True)
        assert repr(state) == "Failed('1/3 states failed.')"
        with pytest.raises(ValueError, match="boom"):
            state.result()

    def test_failure_seen_by_the_flow_does_not_fail_it(self, store: Store) -> None:
        @flow
        def looks_at_failures() -> str:
            with pytest.raises(ValueError, match="boom"):
                boom.submit().result()
            boom.submit().result(raise_on_failure=False)
            return "handled"

        state = looks_at_failures(return_state=True)
        assert state.is_completed()
        assert state.result() == "handled"

    def test_returned_failed_state_fails_the_flow(self, store: Store) -> None:
        @flow
        def returns_states() -> list[State]:
            return [ok(return_state=True), boom(return_state=True)]

        state = returns_states(return_state=True)
        assert repr(state) == "Failed('1/2 states failed.')"

    def test_returned_state_becomes_the_flows_state(self, store: Store) -> None:
        @flow
        def returns_task_state() -> State:
            return ok(4, return_state=True)

        @flow
        def returns_failed_state() -> State:
            return boom(return_state=True)

        state = returns_task_state(return_state=True)
        assert repr(state) == "Completed()" and state.result() == 4
        assert returns_task_state() == 4
        failed = returns_failed_state(return_state=True)
        assert repr(failed) == "Failed('Task run encountered an exception ValueError: boom')"

    def test_exception_in_the_flow_fails_it_with_prefects_message(self, store: Store) -> None:
        @flow
        def raises() -> None:
            raise ValueError("boom")

        state = raises(return_state=True)
        assert repr(state) == "Failed('Flow run encountered an exception: ValueError: boom')"
        with pytest.raises(ValueError, match="^boom$"):
            raises()

    def test_task_exception_propagates_through_the_flow(self, store: Store) -> None:
        @flow
        def calls_boom() -> None:
            boom()

        with pytest.raises(ValueError, match="boom"):
            calls_boom()


class TestTaskFinalState:
    def test_failed_task_state_names_the_exception(self, store: Store) -> None:
        state = boom(return_state=True)
        assert repr(state) == "Failed('Task run encountered an exception ValueError: boom')"
        assert state.is_failed() and state.is_final()
        with pytest.raises(ValueError, match="boom"):
            state.result()

    def test_completed_task_state_carries_the_value(self, store: Store) -> None:
        state = ok(5, return_state=True)
        assert repr(state) == "Completed()"
        assert state.result() == 5

    def test_task_called_directly_returns_its_value(self, store: Store) -> None:
        assert ok(3) == 3


class TestStateRepr:
    def test_repr_shows_the_message_and_a_non_default_name_with_its_type(self) -> None:
        assert repr(Completed()) == "Completed()"
        assert repr(Completed("All states completed.")) == "Completed('All states completed.')"
        assert repr(Cached()) == "Cached(type=COMPLETED)"
        assert repr(Failed("x")) == "Failed('x')"
        assert str(Failed("x")) == "Failed('x')"


class TestStateHistory:
    def test_flow_run_history_is_pending_running_completed(self, store: Store) -> None:
        @flow
        def simple() -> uuid.UUID | None:
            ok()
            return runtime.flow_run.id

        flow_run_id = simple()
        assert flow_run_id is not None
        run = recorded(store, flow_run_id)
        assert names(run.states) == ["Pending", "Running", "Completed"]
        assert run.flow_run.state.name == "Completed"
        assert run.flow_run.run_count == 1
        assert run.flow_run.start_time is not None and run.flow_run.end_time is not None
        assert run.flow_run.start_time <= run.flow_run.end_time
        assert run.states[1].timestamp == run.flow_run.start_time
        assert run.states[-1].timestamp == run.flow_run.end_time

    def test_task_run_history_and_counters_are_recorded(self, store: Store) -> None:
        @flow
        def two_tasks() -> uuid.UUID | None:
            ok()
            ok.submit().wait()
            return runtime.flow_run.id

        flow_run_id = two_tasks()
        assert flow_run_id is not None
        run = recorded(store, flow_run_id)
        assert [t.name for t in run.task_runs] == ["ok-0", "ok-1"]
        for task_run in run.task_runs:
            assert task_run.task_name == "ok"
            assert task_run.flow_run_id == flow_run_id
            assert task_state_names(store, task_run) == ["Pending", "Running", "Completed"]
            assert task_run.state.name == "Completed"
            assert task_run.run_count == 1
            assert task_run.start_time is not None and task_run.end_time is not None
            assert task_run.start_time <= task_run.end_time
            assert run.flow_run.start_time is not None and run.flow_run.end_time is not None
            assert run.flow_run.start_time <= task_run.start_time
            assert task_run.end_time <= run.flow_run.end_time

    def test_failed_runs_record_the_failure_message(self, store: Store) -> None:
        @flow
        def fails() -> None:
            boom()

        fails(return_state=True)
        run = only_run_of(store, "fails")
        assert names(run.states) == ["Pending", "Running", "Failed"]
        assert run.flow_run.state.message == "Flow run encountered an exception: ValueError: boom"
        [task_run] = run.task_runs
        assert task_state_names(store, task_run) == ["Pending", "Running", "Failed"]
        assert task_run.state.message == "Task run encountered an exception ValueError: boom"


class TestResultOfAStateWithoutException:
    """What `result()` raises for a final state that carries no exception, as Prefect's
    FailedRun / CrashedRun / CancelledRun: the state's message, or a default one."""

    def test_a_flow_returning_failed_raises_failed_run_with_its_message(self, store: Store) -> None:
        @flow
        def over_quota() -> State:
            return Failed(message="Quota exceeded: 150")

        with pytest.raises(FailedRun, match="^Quota exceeded: 150$") as raised:
            over_quota()
        assert isinstance(raised.value, UnfinishedRun)  # what cauce raised before, still caught

    def test_each_final_type_has_its_error_and_default_message(self) -> None:
        for state, error, message in [
            (Failed(), FailedRun, "Run failed."),
            (Crashed(), CrashedRun, "Run crashed."),
            (Cancelled("Nothing to do"), CancelledRun, "Nothing to do"),
        ]:
            with pytest.raises(error, match=f"^{message}$"):
                state.result()
            returned = state.result(raise_on_failure=False)
            assert type(returned) is error and str(returned) == message
        with pytest.raises(UnfinishedRun, match="has no result") as raised:
            Running().result()
        assert type(raised.value) is UnfinishedRun

    def test_a_failed_run_read_back_from_the_store_raises_failed_run(self, store: Store) -> None:
        @flow
        def fails_plainly() -> State:
            return Failed()

        state = fails_plainly(return_state=True)
        flow_run_id = state.state_details.flow_run_id
        assert flow_run_id is not None
        store.flush()
        with pytest.raises(FailedRun, match="^Run failed.$"):
            store.client.read_flow_run(flow_run_id).state.result()
