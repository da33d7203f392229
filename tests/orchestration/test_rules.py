"""The orchestration rules: which state transitions the core accepts, for every writer.

Flow-run rules are exercised through the client, as the engine, workers and the
server use them; the policies themselves are checked for shape.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cauce.client.embedded import EmbeddedClient
from cauce.database.connections import create_engine, ensure_schema
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration import policy, rules
from cauce.orchestration.flow_runs import create_flow_run
from cauce.orchestration.set_state import decide, set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.states import (
    AwaitingRetry,
    Cancelled,
    Cancelling,
    Completed,
    Crashed,
    Failed,
    Late,
    Paused,
    Pending,
    Retrying,
    Running,
    Scheduled,
    State,
    TimedOut,
    now_utc,
)
from tests.conftest import Store

TERMINAL = [Completed, Failed, Crashed, Cancelled]


def _new_run(store: Store, state: State | None = None) -> uuid.UUID:
    flow_run_id = uuid.uuid4()
    first = state or Pending()
    store.client.create_flow_run(
        FlowRun(id=flow_run_id, flow_name="ruled", name="rule-run", state=first, created=now_utc()),
        None,
    )
    return flow_run_id


def _propose(
    store: Store,
    flow_run_id: uuid.UUID,
    state: State,
    force: bool = False,
    seen: State | None = None,
) -> SetStateResult:
    """Propose `state`; with `seen`, as a writer that last saw the run in that state."""
    expected = None if seen is None else seen.id
    return store.client.set_flow_run_state(
        flow_run_id, state, force=force, expected_state_id=expected
    )


def _move(store: Store, flow_run_id: uuid.UUID, *states: State) -> None:
    for state in states:
        result = _propose(store, flow_run_id, state)
        assert result.status is SetStateStatus.ACCEPT, result.reason


def _behind(state: State) -> State:
    """`state` stamped by a machine whose clock is a minute behind."""
    state.timestamp = now_utc() - timedelta(minutes=1)
    return state


def _names(store: Store, flow_run_id: uuid.UUID) -> list[str]:
    return [s.name for s in store.client.read_flow_run_states(flow_run_id)]


class TestPolicies:
    def test_every_rule_appears_in_the_flow_run_policy(self) -> None:
        defined = {
            cls
            for _, cls in inspect.getmembers(rules, inspect.isclass)
            if issubclass(cls, rules.Rule) and cls is not rules.Rule
        }
        assert defined == {type(rule) for rule in policy.FLOW_RUN_RULES}

    def test_no_rule_appears_twice_in_a_policy(self) -> None:
        for rule_list in (policy.FLOW_RUN_RULES, policy.TASK_RUN_RULES):
            kinds = [type(rule) for rule in rule_list]
            assert len(kinds) == len(set(kinds))

    def test_task_run_rules_are_a_subset_of_the_flow_run_rules(self) -> None:
        flow_kinds = {type(rule) for rule in policy.FLOW_RUN_RULES}
        assert {type(rule) for rule in policy.TASK_RUN_RULES} <= flow_kinds

    def test_stale_writer_rule_runs_first(self) -> None:
        for rule_list in (policy.FLOW_RUN_RULES, policy.TASK_RUN_RULES):
            assert isinstance(rule_list[0], rules.RejectStaleWriter)


class TestOrdinaryLifecycle:
    def test_pending_running_completed_is_accepted_and_recorded(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Completed())
        assert _names(store, flow_run_id) == ["Pending", "Running", "Completed"]
        run = store.client.read_flow_run(flow_run_id)
        assert run.state.name == "Completed" and run.run_count == 1
        assert run.start_time is not None and run.end_time is not None

    def test_scheduled_late_then_running(self, store: Store) -> None:
        flow_run_id = _new_run(store, Scheduled(now_utc() - timedelta(minutes=1)))
        _move(store, flow_run_id, Late(now_utc()), Pending(), Running())
        assert _names(store, flow_run_id) == ["Scheduled", "Late", "Pending", "Running"]

    def test_retry_cycle_counts_each_attempt(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Failed("x"), AwaitingRetry(now_utc()), Retrying())
        run = store.client.read_flow_run(flow_run_id)
        assert run.run_count == 2
        assert run.end_time is None
        assert run.state.name == "Retrying"

    def test_start_time_is_the_first_start(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        first = Running()
        _move(store, flow_run_id, first, Failed(), AwaitingRetry(now_utc()), Retrying())
        assert store.client.read_flow_run(flow_run_id).start_time == first.timestamp

    def test_unknown_run_is_aborted(self, store: Store) -> None:
        result = _propose(store, uuid.uuid4(), Running())
        assert result.status is SetStateStatus.ABORT
        assert result.reason is not None and "not found" in result.reason


class TestTerminalStatesStayFinal:
    @pytest.mark.parametrize("final", TERMINAL, ids=lambda f: f.__name__)
    def test_finished_run_cannot_start_again(self, store: Store, final) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), final())
        result = _propose(store, flow_run_id, Running())
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and "already finished" in result.reason
        assert result.state is not None and result.state.name == final().name
        assert store.client.read_flow_run(flow_run_id).state.name == final().name
        assert _names(store, flow_run_id) == ["Pending", "Running", final().name]

    def test_finished_run_cannot_finish_differently(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Completed())
        assert _propose(store, flow_run_id, Failed("late failure")).status is SetStateStatus.REJECT
        assert _propose(store, flow_run_id, Pending()).status is SetStateStatus.REJECT
        assert store.client.read_flow_run(flow_run_id).state.name == "Completed"

    @pytest.mark.parametrize("failed", [Failed, TimedOut], ids=lambda f: f.__name__)
    def test_awaiting_retry_reopens_a_failed_run(self, store: Store, failed) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), failed(), AwaitingRetry(now_utc()), Retrying())
        assert store.client.read_flow_run(flow_run_id).state.name == "Retrying"

    @pytest.mark.parametrize("final", [Completed, Crashed, Cancelled], ids=lambda f: f.__name__)
    def test_a_late_retry_never_undoes_another_end(self, store: Store, final) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), final())
        result = _propose(store, flow_run_id, AwaitingRetry(now_utc()))
        assert result.status is SetStateStatus.REJECT
        assert store.client.read_flow_run(flow_run_id).state.name == final().name

    def test_other_scheduled_states_do_not_reopen_it(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Failed())
        assert _propose(store, flow_run_id, Scheduled()).status is SetStateStatus.REJECT

    def test_forced_transition_is_accepted(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Completed())
        result = _propose(store, flow_run_id, Running(), force=True)
        assert result.status is SetStateStatus.ACCEPT
        assert store.client.read_flow_run(flow_run_id).state.name == "Running"
        assert _names(store, flow_run_id) == ["Pending", "Running", "Completed", "Running"]


class TestStaleWriter:
    """Writers are ordered by the state the database holds (compare-and-set on its id),
    never by the clocks of the machines they run on."""

    def test_a_proposal_made_from_a_state_no_longer_current_is_rejected(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        pending = store.client.read_flow_run(flow_run_id).state
        running = Running()
        _move(store, flow_run_id, running)
        # The watchdog, say, looked while the run was Pending and decided then.
        result = _propose(store, flow_run_id, Cancelled("stuck"), seen=pending)
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and result.reason.startswith("stale proposal")
        assert result.state is not None and result.state.id == running.id
        assert _names(store, flow_run_id) == ["Pending", "Running"]

    @pytest.mark.parametrize("final", TERMINAL, ids=lambda f: f.__name__)
    def test_stale_proposal_to_a_finished_run_is_rejected_as_stale(
        self, store: Store, final: Callable[[], State]
    ) -> None:
        # Both rules would reject this; the reason must be the stale writer's.
        flow_run_id = _new_run(store)
        running = Running()
        _move(store, flow_run_id, running, final())
        result = _propose(store, flow_run_id, Completed(), seen=running)
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and result.reason.startswith("stale proposal")
        assert "already finished" not in result.reason
        assert store.client.read_flow_run(flow_run_id).state.name == final().name
        assert _names(store, flow_run_id) == ["Pending", "Running", final().name]

    def test_stale_retry_of_a_finished_run_is_rejected(self, store: Store) -> None:
        # A retry reopens a failed run, unless another writer moved it on since.
        flow_run_id = _new_run(store)
        failed = Failed()
        _move(store, flow_run_id, Running(), failed, AwaitingRetry(now_utc()), Running(), Failed())
        result = _propose(store, flow_run_id, AwaitingRetry(now_utc()), seen=failed)
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and result.reason.startswith("stale proposal")
        assert store.client.read_flow_run(flow_run_id).state.name == "Failed"

    def test_stale_proposal_to_a_cancelling_run_is_rejected_as_stale(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        running = Running()
        _move(store, flow_run_id, running, Cancelling())
        result = _propose(store, flow_run_id, Running(name="Retrying"), seen=running)
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and result.reason.startswith("stale proposal")
        assert store.client.read_flow_run(flow_run_id).state.name == "Cancelling"

    def test_a_run_that_completes_while_being_cancelled_is_completed(self, store: Store) -> None:
        """Its process could not see the Cancelling; the work was done."""
        flow_run_id = _new_run(store)
        running = Running()
        _move(store, flow_run_id, running, Cancelling())
        result = _propose(store, flow_run_id, Completed(), seen=running)
        assert result.status is SetStateStatus.ACCEPT
        assert store.client.read_flow_run(flow_run_id).state.name == "Completed"

    def test_a_writer_whose_clock_is_behind_is_not_stale(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        running = Running()
        _move(store, flow_run_id, running)
        result = _propose(store, flow_run_id, _behind(Completed()), seen=running)
        assert result.status is SetStateStatus.ACCEPT
        assert store.client.read_flow_run(flow_run_id).state.name == "Completed"

    def test_a_writer_that_does_not_say_what_it_saw_is_left_to_the_other_rules(
        self, store: Store
    ) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running())
        result = _propose(store, flow_run_id, _behind(Cancelling()))
        assert result.status is SetStateStatus.ACCEPT

    def test_forced_transition_skips_the_staleness_check(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        running = Running()
        _move(store, flow_run_id, running, Failed())
        assert (
            _propose(store, flow_run_id, Completed(), seen=running).status is SetStateStatus.REJECT
        )
        forced = _propose(store, flow_run_id, Completed(), force=True, seen=running)
        assert forced.status is SetStateStatus.ACCEPT


class TestCancellingOnlyEnds:
    @pytest.mark.parametrize(
        "proposed",
        [Running, Pending, Scheduled, Paused, lambda: AwaitingRetry(now_utc())],
        ids=["Running", "Pending", "Scheduled", "Paused", "AwaitingRetry"],
    )
    def test_cancelling_run_cannot_start_or_wait(self, store: Store, proposed) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Cancelling())
        result = _propose(store, flow_run_id, proposed())
        assert result.status is SetStateStatus.REJECT
        assert result.reason == "the run is being cancelled"
        assert store.client.read_flow_run(flow_run_id).state.name == "Cancelling"

    @pytest.mark.parametrize("final", [Completed, Cancelled], ids=lambda f: f.__name__)
    def test_cancelling_run_may_end(self, store: Store, final) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Cancelling(), final())
        assert store.client.read_flow_run(flow_run_id).state.name == final().name

    @pytest.mark.parametrize("final", [Failed, Crashed], ids=lambda f: f.__name__)
    def test_the_end_its_process_saw_coming_from_running_ends_it_cancelled(
        self, store: Store, final
    ) -> None:  # type: ignore[no-untyped-def]
        """The run's process proposes its end from Running: it never saw the Cancelling."""
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running())
        running = store.client.read_flow_run(flow_run_id).state
        _move(store, flow_run_id, Cancelling("asked by ana"))
        result = _propose(store, flow_run_id, final(), seen=running)
        assert result.status is SetStateStatus.ACCEPT
        assert result.state is not None and result.state.name == "Cancelled"
        assert store.client.read_flow_run(flow_run_id).state.name == "Cancelled"

    @pytest.mark.parametrize("final", [Failed, Crashed], ids=lambda f: f.__name__)
    def test_a_cancelling_run_stopped_by_force_ends_cancelled(self, store: Store, final) -> None:  # type: ignore[no-untyped-def]
        """A process killed because it was cancelled fails or crashes; the run was cancelled."""
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Cancelling("asked by ana"))
        result = _propose(store, flow_run_id, final())
        assert result.status is SetStateStatus.ACCEPT
        run = store.client.read_flow_run(flow_run_id)
        assert run.state.name == "Cancelled"
        assert run.state.message == "asked by ana"
        assert _names(store, flow_run_id)[-1] == "Cancelled"


class TestLateOnlyFromScheduled:
    @pytest.mark.parametrize(
        "moved",
        [[Pending()], [Running()], [Running(), Completed()]],
        ids=["Pending", "Running", "Completed"],
    )
    def test_a_run_claimed_or_started_is_never_reset_to_late(self, store: Store, moved) -> None:  # type: ignore[no-untyped-def]
        flow_run_id = _new_run(store, Scheduled(now_utc()))
        _move(store, flow_run_id, *moved)
        result = _propose(store, flow_run_id, Late(now_utc()))
        assert result.status is SetStateStatus.REJECT
        assert store.client.read_flow_run(flow_run_id).state.name == moved[-1].name

    def test_a_waiting_run_becomes_late(self, store: Store) -> None:
        flow_run_id = _new_run(store, Scheduled(now_utc()))
        assert _propose(store, flow_run_id, Late(now_utc())).status is SetStateStatus.ACCEPT


class TestRunStartsOnce:
    def test_running_run_cannot_be_started_again(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running())
        result = _propose(store, flow_run_id, Running())
        assert result.status is SetStateStatus.REJECT
        assert result.reason == "the run is already running"
        assert store.client.read_flow_run(flow_run_id).run_count == 1

    def test_running_run_cannot_go_back_to_pending(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running())
        result = _propose(store, flow_run_id, Pending())
        assert result.status is SetStateStatus.REJECT
        assert result.reason == "the run is already running"
        assert result.state is not None and result.state.name == "Running"
        assert _names(store, flow_run_id) == ["Pending", "Running"]

    def test_a_retry_of_a_running_run_is_named_and_accepted(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Retrying())
        run = store.client.read_flow_run(flow_run_id)
        assert run.state.name == "Retrying" and run.run_count == 2

    def test_running_run_may_pause_or_finish(self, store: Store) -> None:
        flow_run_id = _new_run(store)
        _move(store, flow_run_id, Running(), Paused(), Running(), Completed())
        assert _names(store, flow_run_id) == [
            "Pending",
            "Running",
            "Paused",
            "Running",
            "Completed",
        ]


class TestDecide:
    """The same rules decide task-run states, in the engine, with no database."""

    def test_task_run_rules_keep_terminal_states_final(self) -> None:
        completed = Completed()
        assert decide(policy.TASK_RUN_RULES, completed, Running()).status is SetStateStatus.REJECT
        retry = AwaitingRetry(now_utc())
        assert decide(policy.TASK_RUN_RULES, completed, retry).status is SetStateStatus.REJECT
        assert decide(policy.TASK_RUN_RULES, Failed(), retry).status is SetStateStatus.ACCEPT

    def test_first_rejection_wins_and_keeps_the_current_state(self) -> None:
        current = Completed()
        result = decide(policy.TASK_RUN_RULES, current, Pending())
        assert result.status is SetStateStatus.REJECT
        assert result.state is current
        assert result.reason is not None and result.reason.startswith("the run has already")

    def test_stale_proposal_to_a_finished_task_run_is_rejected_as_stale(self) -> None:
        running, completed = Running(), Completed()
        result = decide(policy.TASK_RUN_RULES, completed, Completed(), expected_state_id=running.id)
        assert result.status is SetStateStatus.REJECT
        assert result.reason is not None and result.reason.startswith("stale proposal")

    def test_new_run_has_nothing_to_check(self) -> None:
        assert decide(policy.FLOW_RUN_RULES, None, Running()).status is SetStateStatus.ACCEPT

    def test_force_skips_every_rule(self) -> None:
        result = decide(policy.FLOW_RUN_RULES, Completed(), Pending(), force=True)
        assert result.status is SetStateStatus.ACCEPT


class TestSetFlowRunState:
    """The core function itself, in a write transaction on a SQLite file of the test's own."""

    @pytest.fixture
    def core(self, tmp_path: Path) -> Iterator[Core]:
        url = f"sqlite:///{tmp_path / 'core.db'}"
        engine = create_engine(url)
        ensure_schema(engine)
        yield Core(engine, EmbeddedClient(url))
        engine.dispose()

    def test_without_force_the_rules_decide(self, core: Core) -> None:
        flow_run_id = core.new_run()
        core.propose(flow_run_id, Running())
        core.propose(flow_run_id, Completed())
        result = core.propose(flow_run_id, Running())
        assert result.status is SetStateStatus.REJECT
        assert core.client.read_flow_run(flow_run_id).state.name == "Completed"

    def test_an_accepted_result_carries_the_proposed_state(self, core: Core) -> None:
        flow_run_id = core.new_run()
        running = Running()
        result = core.propose(flow_run_id, running)
        assert result.status is SetStateStatus.ACCEPT
        assert result.state is running

    def test_the_same_proposal_twice_is_recorded_once(self, core: Core) -> None:
        # A client retrying a request whose answer was lost sends the same state again.
        flow_run_id = core.new_run()
        running = Running()
        core.propose(flow_run_id, running)
        again = core.propose(flow_run_id, running)
        assert again.status is SetStateStatus.ACCEPT
        assert again.state is not None and again.state.id == running.id
        states = core.client.read_flow_run_states(flow_run_id)
        assert [s.name for s in states] == ["Pending", "Running"]
        assert core.client.read_flow_run(flow_run_id).run_count == 1

    def test_the_end_time_stays_until_the_run_starts_again(self, core: Core) -> None:
        flow_run_id = core.new_run()
        core.propose(flow_run_id, Running())
        failed = Failed()
        core.propose(flow_run_id, failed)
        core.propose(flow_run_id, AwaitingRetry(now_utc()))
        assert core.client.read_flow_run(flow_run_id).end_time == failed.timestamp
        core.propose(flow_run_id, Retrying())
        assert core.client.read_flow_run(flow_run_id).end_time is None

    def test_an_unknown_run_is_aborted(self, core: Core) -> None:
        result = core.propose(uuid.uuid4(), Running())
        assert result.status is SetStateStatus.ABORT and result.state is None


@dataclass
class Core:
    """A database to call the core on, and a client to read back what it recorded."""

    engine: Engine
    client: EmbeddedClient

    def new_run(self) -> uuid.UUID:
        flow_run = FlowRun(uuid.uuid4(), "ruled", "core-run", Pending(), created=now_utc())
        with self.engine.begin() as connection:
            create_flow_run(SqlAlchemyExecutor(connection), flow_run, None)
        return flow_run.id

    def propose(self, flow_run_id: uuid.UUID, state: State) -> SetStateResult:
        with self.engine.begin() as connection:
            return set_flow_run_state(SqlAlchemyExecutor(connection), flow_run_id, state)
