"""What the orchestration core answers to a proposed state."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cauce.states import State


class SetStateStatus(enum.StrEnum):
    """The core's verdict on a proposed state."""

    ACCEPT = "ACCEPT"  # the proposed state (perhaps replaced by a rule) is now current
    REJECT = "REJECT"  # the run keeps its current state
    ABORT = "ABORT"  # the run does not exist or cannot move at all


@dataclass(slots=True)
class SetStateResult:
    """The verdict, the run's current state afterwards, and why."""

    status: SetStateStatus
    state: State | None
    reason: str | None = None
