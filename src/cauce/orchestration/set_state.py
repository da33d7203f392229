"""Apply a policy to a proposed state, and record the accepted state.

`decide` is pure and serves both kinds of run. Flow runs have several writers
(the engine, workers, cancellation, the watchdog), so `set_flow_run_state`
decides under the run's row lock. A task run has one writer, its engine, which
calls `decide` itself and hands the accepted states to the batch writer.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from cauce.database.recording.executors import StatementExecutor
from cauce.database.recording.writes import (
    select_flow_run_for_update,
    update_flow_run_state,
)
from cauce.database.rows import state_from_row
from cauce.orchestration.policy import FLOW_RUN_RULES
from cauce.orchestration.rules import Rule, Transition
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.states import TERMINAL_STATE_TYPES, State, StateType


def decide(
    rules: tuple[Rule, ...],
    current: State | None,
    proposed: State,
    force: bool = False,
    expected_state_id: uuid.UUID | None = None,
) -> SetStateResult:
    """Run `rules` in order on the transition; the first rejection wins."""
    if force:
        return SetStateResult(SetStateStatus.ACCEPT, proposed)
    transition = Transition(current, proposed, expected_state_id)
    for rule in rules:
        if rule.applies_to(transition):
            rule.apply(transition)
            if transition.rejection is not None:
                return SetStateResult(SetStateStatus.REJECT, current, transition.rejection)
    return SetStateResult(SetStateStatus.ACCEPT, transition.proposed)


@dataclass(slots=True)
class RunTimes:
    """The counters a state change moves: attempts, first start and end."""

    run_count: int
    start_time: datetime | None
    end_time: datetime | None

    def advance(self, state: State, previous: State | None = None) -> None:
        """Count an attempt on entering RUNNING (a paused run resumed goes on with the same
        attempt); stamp the start once and the end at the finish."""
        if state.type is StateType.RUNNING:
            if previous is None or previous.type is not StateType.PAUSED:
                self.run_count += 1
            self.start_time = self.start_time or state.timestamp
            self.end_time = None
        elif state.type in TERMINAL_STATE_TYPES:
            self.end_time = state.timestamp


def set_flow_run_state(
    executor: StatementExecutor,
    flow_run_id: uuid.UUID,
    proposed: State,
    force: bool = False,
    expected_state_id: uuid.UUID | None = None,
) -> SetStateResult:
    """Propose a new state for a flow run; record it if the rules accept it.

    `expected_state_id`: the state the proposer saw the run in; if the run has moved on
    since, the proposal is stale. Call inside a write transaction: the run's row is
    locked while the rules run.
    """
    row = select_flow_run_for_update(executor, flow_run_id)
    if row is None:
        return SetStateResult(SetStateStatus.ABORT, None, f"flow run {flow_run_id} not found")
    current = state_from_row(row)
    if current.id == proposed.id:
        # The same proposal again (a retried request whose answer was lost): already done.
        return SetStateResult(SetStateStatus.ACCEPT, current)
    result = decide(FLOW_RUN_RULES, current, proposed, force, expected_state_id)
    if result.status is SetStateStatus.ACCEPT:
        accepted = result.state
        assert accepted is not None
        times = RunTimes(row["run_count"], row["start_time"], row["end_time"])
        times.advance(accepted, current)
        update_flow_run_state(executor, flow_run_id, accepted, asdict(times))
    return result
