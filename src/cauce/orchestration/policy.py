"""The ordered rule lists: the only place the order of rules lives.

RejectStaleWriter runs first: a stale proposal is rejected for being stale,
whatever else is true of it.
"""

from __future__ import annotations

from cauce.orchestration.rules import (
    EndCancellingAsCancelled,
    KeepTerminalStatesFinal,
    LateOnlyFromScheduled,
    LetCancellingOnlyEnd,
    RejectStaleWriter,
    Rule,
    RunStartsOnce,
)

FLOW_RUN_RULES: tuple[Rule, ...] = (
    RejectStaleWriter(),
    KeepTerminalStatesFinal(),
    LetCancellingOnlyEnd(),
    EndCancellingAsCancelled(),
    LateOnlyFromScheduled(),
    RunStartsOnce(),
)

TASK_RUN_RULES: tuple[Rule, ...] = (
    RejectStaleWriter(),
    KeepTerminalStatesFinal(),
    RunStartsOnce(),
)
