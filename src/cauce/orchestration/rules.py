"""Rules for run state transitions.

Each rule watches some current-state types and proposed-state types and may
reject the proposal. The order in which rules run is in policy.py; the row lock
is taken in set_state.py. A forced transition skips every rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cauce.states import TERMINAL_STATE_TYPES, Cancelled, State, StateType

ALL_TYPES = frozenset(StateType)


@dataclass(slots=True)
class Transition:
    """A proposed move from `current` (None for a new run) to `proposed`, and the verdict.

    `expected_state_id`: the state the proposer last saw the run in, when it says; the
    database's current state id is what orders writers, never their clocks.
    """

    current: State | None
    proposed: State
    expected_state_id: uuid.UUID | None = None
    rejection: str | None = None

    def reject(self, reason: str) -> None:
        self.rejection = reason

    def accept_instead(self, state: State) -> None:
        """Record `state` in place of the proposal (keeping its id, so a resent
        proposal is still recognised as done)."""
        state.id = self.proposed.id
        self.proposed = state


class Rule:
    """One behaviour of the core; `applies_to` says which transitions it watches."""

    from_types: frozenset[StateType] = ALL_TYPES
    to_types: frozenset[StateType] = ALL_TYPES

    def applies_to(self, transition: Transition) -> bool:
        current = transition.current
        return (
            current is not None
            and current.type in self.from_types
            and transition.proposed.type in self.to_types
        )

    def apply(self, transition: Transition) -> None:
        raise NotImplementedError


class RejectStaleWriter(Rule):
    """A proposal made from a state that is no longer current lost a race to another
    writer (compare-and-set on the current state's id). A writer that does not say which
    state it saw (a cancellation from the CLI) is decided by the other rules alone, and so
    is a run's end proposed while it was being cancelled: its process could not see the
    Cancelling, and that end is what the cancellation waits for."""

    def apply(self, transition: Transition) -> None:
        current = transition.current
        assert current is not None
        if current.type is StateType.CANCELLING and transition.proposed.is_final():
            return
        expected = transition.expected_state_id
        if expected is not None and expected != current.id:
            transition.reject(
                f"stale proposal: the run entered {current!r} at "
                f"{current.timestamp.isoformat()}, after the state this proposal was made from"
            )


class KeepTerminalStatesFinal(Rule):
    """A finished run stays finished unless a retry of a failed run is asked for: a late
    retry never undoes a Completed, Crashed or Cancelled run."""

    from_types = TERMINAL_STATE_TYPES

    def apply(self, transition: Transition) -> None:
        proposed = transition.proposed
        assert transition.current is not None
        failed = transition.current.type is StateType.FAILED
        if failed and proposed.type is StateType.SCHEDULED and proposed.name == "AwaitingRetry":
            return
        transition.reject(f"the run has already finished in state {transition.current!r}")


class LetCancellingOnlyEnd(Rule):
    """A run being cancelled may only finish; it may not start again or wait."""

    from_types = frozenset({StateType.CANCELLING})
    to_types = frozenset(
        {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED}
    )

    def apply(self, transition: Transition) -> None:
        transition.reject("the run is being cancelled")


class LateOnlyFromScheduled(Rule):
    """Only a run still waiting becomes Late: one claimed, started or ended in between
    (the late-runs pass read it a moment ago) is never put back to waiting."""

    to_types = frozenset({StateType.SCHEDULED})

    def apply(self, transition: Transition) -> None:
        current = transition.current
        assert current is not None
        if transition.proposed.name == "Late" and current.type is not StateType.SCHEDULED:
            transition.reject(f"only a Scheduled run becomes Late; this one is {current!r}")


class RunStartsOnce(Rule):
    """A running run cannot be started again by a second writer; a retry says so by name."""

    from_types = frozenset({StateType.RUNNING})
    to_types = frozenset({StateType.RUNNING, StateType.PENDING})

    def apply(self, transition: Transition) -> None:
        if transition.proposed.name != "Retrying":
            transition.reject("the run is already running")


class EndCancellingAsCancelled(Rule):
    """A run being cancelled that then crashes or fails (its process was stopped by
    SIGTERM, its worker died) ends Cancelled: that is what was asked for."""

    from_types = frozenset({StateType.CANCELLING})
    to_types = frozenset({StateType.CRASHED, StateType.FAILED})

    def apply(self, transition: Transition) -> None:
        assert transition.current is not None
        asked = transition.current.message or "The flow run was cancelled."
        transition.accept_instead(Cancelled(asked))
