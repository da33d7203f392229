"""States of flow and task runs: what a run is doing, with a name and a message.

A state's *type* is what orchestration rules match on; its *name* is what people
see (`Late` and `AwaitingRetry` are both of type SCHEDULED). No I/O here.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cauce.exceptions import CauceException, MissingResult
from cauce.ids import new_id


class StateType(enum.StrEnum):
    """The kind of a state; orchestration rules match on this."""

    SCHEDULED = "SCHEDULED"  # waiting for a time (Scheduled, Late, AwaitingRetry)
    PENDING = "PENDING"  # about to start
    RUNNING = "RUNNING"  # user code is executing
    COMPLETED = "COMPLETED"  # finished and returned
    FAILED = "FAILED"  # user code raised, or a child failed
    CRASHED = "CRASHED"  # the process or infrastructure died under the run
    CANCELLING = "CANCELLING"  # asked to stop; the process has not stopped yet
    CANCELLED = "CANCELLED"  # stopped on request
    PAUSED = "PAUSED"  # waiting for a person


TERMINAL_STATE_TYPES = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}
)

_DEFAULT_NAMES = {
    StateType.SCHEDULED: "Scheduled",
    StateType.PENDING: "Pending",
    StateType.RUNNING: "Running",
    StateType.COMPLETED: "Completed",
    StateType.FAILED: "Failed",
    StateType.CRASHED: "Crashed",
    StateType.CANCELLING: "Cancelling",
    StateType.CANCELLED: "Cancelled",
    StateType.PAUSED: "Paused",
}

_NO_RESULT: Any = object()
_ONE_MICROSECOND = timedelta(microseconds=1)
_last_now = datetime.min.replace(tzinfo=UTC)


def now_utc() -> datetime:
    """The current time as an aware UTC datetime: the only clock states use.

    Never the same value twice in a process: a coarse clock (about 15 ms on some
    Windows machines) must not give two states of one run the same timestamp,
    or their history could read back out of order.
    """
    global _last_now
    now = datetime.now(UTC)
    if now <= _last_now:
        now = _last_now + _ONE_MICROSECOND
    _last_now = now
    return now


@dataclass(frozen=True, slots=True)
class StateDetails:
    """Which run a state belongs to, and its times, as Prefect's `state.state_details`."""

    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None
    scheduled_time: datetime | None = None
    pause_timeout: datetime | None = None


if TYPE_CHECKING:
    from typing_extensions import TypeVar as TypeVarWithDefault

    # A bare `State` is State[Any], as in Prefect (where users write `State[Any]`).
    R = TypeVarWithDefault("R", default=Any)
else:
    R = TypeVar("R")


@dataclass(slots=True, eq=False)
class State(Generic[R]):
    """A run's state: type, display name, message and when it was entered.

    A final state carries the run's outcome: `result()` returns the value or
    raises the exception the run ended with.
    """

    type: StateType
    name: str = ""
    message: str | None = None
    timestamp: datetime = field(default_factory=now_utc)
    scheduled_time: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)
    data: Any = field(default=_NO_RESULT, repr=False)
    run_ids: tuple[uuid.UUID | None, uuid.UUID | None] | None = field(default=None, repr=False)
    """(flow run, task run) of the run that ended in this state, set by the engine on the
    final state it returns."""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = _DEFAULT_NAMES[self.type]

    def __repr__(self) -> str:
        shown = [repr(self.message)] if self.message else []
        if self.name != _DEFAULT_NAMES[self.type]:
            shown.append(f"type={self.type.value}")
        return f"{self.name}({', '.join(shown)})"

    __str__ = __repr__

    def result(self, raise_on_failure: bool = True) -> Any:
        """The run's return value; raises the run's exception if it did not complete
        (with `raise_on_failure=False`, returns it). MissingResult for a Completed state
        that carries no value and is not one a run just ended in: made without data, or
        read back from the store (a result is not read back)."""
        if isinstance(self.data, BaseException):
            if raise_on_failure:
                raise self.data
            return self.data
        if self.data is _NO_RESULT:
            if self.type is StateType.COMPLETED:
                if self.run_ids is not None:
                    return None  # the run's code returned a state carrying no value
                raise MissingResult(
                    "State data is missing: the state was made without a result, or read "
                    "back from the store when the run's result was not persisted."
                )
            if raise_on_failure:
                raise _no_result_error(self)
            if self.type in _ENDED_WITHOUT_EXCEPTION:
                return _no_result_error(self)
            return None
        return self.data

    @property
    def state_details(self) -> StateDetails:
        """The run this state belongs to (for a state the engine returned) and its times."""
        flow_run_id, task_run_id = self.run_ids or (None, None)
        paused = self.type is StateType.PAUSED
        return StateDetails(
            flow_run_id,
            task_run_id,
            scheduled_time=None if paused else self.scheduled_time,
            pause_timeout=self.scheduled_time if paused else None,
        )

    def has_result(self) -> bool:
        """Whether this state carries a value or exception."""
        return self.data is not _NO_RESULT

    def with_data(self, data: Any) -> State:
        """A copy of this state carrying `data` (a return value or an exception)."""
        return replace(self, data=data)

    def is_scheduled(self) -> bool:
        return self.type is StateType.SCHEDULED

    def is_pending(self) -> bool:
        return self.type is StateType.PENDING

    def is_running(self) -> bool:
        return self.type is StateType.RUNNING

    def is_completed(self) -> bool:
        return self.type is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type is StateType.FAILED

    def is_crashed(self) -> bool:
        return self.type is StateType.CRASHED

    def is_cancelling(self) -> bool:
        return self.type is StateType.CANCELLING

    def is_cancelled(self) -> bool:
        return self.type is StateType.CANCELLED

    def is_paused(self) -> bool:
        return self.type is StateType.PAUSED

    def is_final(self) -> bool:
        """Whether the run has ended (Completed, Failed, Crashed or Cancelled)."""
        return self.type in TERMINAL_STATE_TYPES


class UnfinishedRun(CauceException):
    """Raised by `State.result()` on a state that has neither value nor exception."""


class FailedRun(UnfinishedRun):
    """`result()` of a Failed state with no exception (one a flow returned, or read back
    from the store): the state's message, as Prefect's FailedRun."""


class CrashedRun(UnfinishedRun):
    """`result()` of a Crashed state with no exception: the state's message."""


class CancelledRun(UnfinishedRun):
    """`result()` of a Cancelled state with no exception: the state's message."""


# Prefect's exception, and its message when the state has none, per final state type.
_ENDED_WITHOUT_EXCEPTION: dict[StateType, tuple[type[UnfinishedRun], str]] = {
    StateType.FAILED: (FailedRun, "Run failed."),
    StateType.CRASHED: (CrashedRun, "Run crashed."),
    StateType.CANCELLED: (CancelledRun, "Run cancelled."),
}


def _no_result_error(state: State) -> UnfinishedRun:
    ended = _ENDED_WITHOUT_EXCEPTION.get(state.type)
    if ended is None:
        return UnfinishedRun(f"The run is in state {state!r} and has no result.")
    error, default_message = ended
    return error(state.message or default_message)


def Scheduled(
    scheduled_time: datetime | None = None, message: str | None = None, name: str = "Scheduled"
) -> State:
    """A Scheduled state due at `scheduled_time` (now when omitted)."""
    return State(StateType.SCHEDULED, name, message, scheduled_time=scheduled_time or now_utc())


def Late(scheduled_time: datetime, message: str | None = None) -> State:
    """A Scheduled run past its time."""
    return Scheduled(scheduled_time, message, name="Late")


def AwaitingRetry(scheduled_time: datetime, message: str | None = None) -> State:
    """A failed run waiting for its next attempt."""
    return Scheduled(scheduled_time, message, name="AwaitingRetry")


def Pending(message: str | None = None) -> State:
    return State(StateType.PENDING, message=message)


def Running(message: str | None = None, name: str = "Running") -> State:
    return State(StateType.RUNNING, name, message)


def Retrying(message: str | None = None) -> State:
    return State(StateType.RUNNING, "Retrying", message)


def Completed(message: str | None = None, data: Any = _NO_RESULT, name: str = "Completed") -> State:
    return State(StateType.COMPLETED, name, message, data=data)


def Cached(message: str | None = None, data: Any = _NO_RESULT) -> State:
    """A Completed state whose value came from the cache."""
    return State(StateType.COMPLETED, "Cached", message, data=data)


def Failed(message: str | None = None, data: Any = _NO_RESULT) -> State:
    return State(StateType.FAILED, message=message, data=data)


def TimedOut(message: str | None = None, data: Any = _NO_RESULT) -> State:
    return State(StateType.FAILED, "TimedOut", message, data=data)


def Crashed(message: str | None = None, data: Any = _NO_RESULT) -> State:
    return State(StateType.CRASHED, message=message, data=data)


def Cancelling(message: str | None = None) -> State:
    return State(StateType.CANCELLING, message=message)


def Cancelled(message: str | None = None, data: Any = _NO_RESULT) -> State:
    return State(StateType.CANCELLED, message=message, data=data)


def Paused(
    message: str | None = None,
    timeout_seconds: float | None = None,
    pause_expiration_time: datetime | None = None,
) -> State:
    """A run waiting for a person to resume it; until `pause_expiration_time` (or
    `timeout_seconds` from now) at most, kept as the state's scheduled time."""
    if pause_expiration_time is None and timeout_seconds is not None:
        pause_expiration_time = now_utc() + timedelta(seconds=timeout_seconds)
    return State(StateType.PAUSED, message=message, scheduled_time=pause_expiration_time)


SUSPENDED = "Suspended"
"""The name of a suspended run's Paused state: no process waits for its resume."""


def Suspended(message: str | None = None, timeout_seconds: float | None = None) -> State:
    """A Paused run whose process has ended (suspend_flow_run): once resumed, a worker
    runs it again; until `timeout_seconds` from now at most."""
    state = Paused(message, timeout_seconds)
    state.name = SUSPENDED
    return state


def is_suspended(state: State) -> bool:
    """Whether `state` is a suspended run's (see Suspended)."""
    return state.type is StateType.PAUSED and state.name == SUSPENDED


def get_state_exception(state: State) -> Any:
    """The exception that ended a Failed, Crashed or Cancelled run: the one it carries, or
    FailedRun, CrashedRun or CancelledRun with its message (or the text it carries; for a
    state carrying states, the first one that failed). ValueError for any other state.
    Called from async code, a coroutine to await, as in Prefect."""
    from cauce.context import as_caller_expects

    return as_caller_expects(_state_exception, state)


def raise_state_exception(state: State) -> Any:
    """Raise `get_state_exception(state)` for a Failed, Crashed or Cancelled state; for any
    other, do nothing. Called from async code, a coroutine to await, as in Prefect."""
    from cauce.context import as_caller_expects

    return as_caller_expects(_raise_state_exception, state)


async def aget_state_exception(state: State) -> BaseException:
    """`get_state_exception` for async code."""
    return _state_exception(state)


async def araise_state_exception(state: State) -> None:
    """`raise_state_exception` for async code."""
    _raise_state_exception(state)


def _raise_state_exception(state: State) -> None:
    if state.type in _ENDED_WITHOUT_EXCEPTION:
        raise _state_exception(state)


def _state_exception(state: State) -> BaseException:
    if state.type not in _ENDED_WITHOUT_EXCEPTION:
        raise ValueError(f"Expected failed or crashed state got {state!r}.")
    data = state.data
    if data is _NO_RESULT or data is None:
        return _no_result_error(state)
    if isinstance(data, BaseException):
        return data
    if isinstance(data, str):
        return _ENDED_WITHOUT_EXCEPTION[state.type][0](data)
    if isinstance(data, State):
        return _state_exception(data)
    if isinstance(data, list | tuple | set) and data and all(isinstance(s, State) for s in data):
        for inner in data:
            if inner.type in _ENDED_WITHOUT_EXCEPTION:
                return _state_exception(inner)
        raise ValueError("Failed state result was an iterable of states but none were failed.")
    raise TypeError(
        f"Unexpected result for failed state: {data!r} —— "
        f"{type(data).__name__} cannot be resolved into an exception"
    )
