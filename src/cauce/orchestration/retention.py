"""Retention: delete the flow runs that ended long ago, with everything that is theirs.

The promise, kept by tests/server/test_prune.py:
- Only runs whose state is final (Completed, Failed, Crashed, Cancelled) go, and only
  when they ended (their end time, else their last state's time) before the cutoff. A
  run still Scheduled, Pending, Running, Paused or Cancelling stays, whatever its age.
- A run goes with its states, task runs and their states, logs and artifacts.
- A subflow run is part of its parent's tree: it goes with its top-level run and is
  never deleted on its own, so a kept run's page keeps its subflows. A tree goes whole
  or not at all: one run in it that has not ended keeps the whole tree. `state_types`
  narrows on the top-level run's state; the subflows of a run that goes go with it.
  A subflow whose parent is no longer recorded counts as top-level.
- Runs are deleted in chunks, one transaction per chunk of top-level runs, so writers
  wait for one chunk at most, never for the whole prune. A dry run reads the same
  chunks and deletes nothing.

The CLI (`cauce server database prune`) and the server's retention service call
`prune_chunk`; SQL is in database/queries/retention.py.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from cauce.database.queries import retention as queries
from cauce.orchestration.errors import OrchestrationError
from cauce.states import TERMINAL_STATE_TYPES, StateType

CHUNK_RUNS = 500
"""Top-level runs deleted per transaction."""

ENDED_TYPES = tuple(t.value for t in StateType if t in TERMINAL_STATE_TYPES)


def parse_state_types(names: Iterable[str]) -> frozenset[str]:
    """The final state types named (any case); every final type when none is.

    OrchestrationError, in one line, for an unknown name or a type that is not final.
    """
    chosen = set()
    for name in names:
        text = name.strip().upper()
        if text not in StateType.__members__:
            raise OrchestrationError(
                f"unknown state type {name!r}; choose from {', '.join(ENDED_TYPES)}"
            )
        if text not in ENDED_TYPES:
            raise OrchestrationError(
                f"a {text} run has not ended and is never pruned, whatever its age; "
                f"choose from {', '.join(ENDED_TYPES)}"
            )
        chosen.add(text)
    return frozenset(chosen or ENDED_TYPES)


Cursor = tuple[str, datetime, uuid.UUID]
"""Where a prune is: the state type, then the creation time and id of the last run seen."""


@dataclass(frozen=True)
class Chunk:
    """What one chunk deleted (or would delete, on a dry run)."""

    runs_by_state: Counter[str]
    """Flow runs, subflows included, by state type."""
    task_runs: int
    last: Cursor | None
    """Where the next chunk starts; None when there are no more."""


def prune_chunk(
    connection: Connection,
    cutoff: datetime,
    state_types: Collection[str],
    after: Cursor | None,
    *,
    dry_run: bool = False,
    chunk_runs: int = CHUNK_RUNS,
) -> Chunk:
    """Delete the next `chunk_runs` ended top-level runs after `after`, with their trees.

    One state type at a time, oldest first: each is a walk of an index from `after`."""
    for state_type in sorted(state_types):
        if after is not None and state_type < after[0]:
            continue
        since = after[1:] if after is not None and after[0] == state_type else None
        roots = queries.select_ended_roots(connection, cutoff, state_type, since, chunk_runs)
        if roots:
            return _prune_trees(
                connection, [run for _, run in roots], dry_run, (state_type, *roots[-1])
            )
    return Chunk(Counter(), 0, None)


def _prune_trees(
    connection: Connection, roots: list[uuid.UUID], dry_run: bool, last: Cursor
) -> Chunk:
    tree = queries.select_trees(connection, roots)
    unfinished = {root for root, _, state in tree if state not in ENDED_TYPES}
    going = [(run, state or "") for root, run, state in tree if root not in unfinished]
    ids = [run for run, _ in going]
    task_runs = queries.count_task_runs(connection, ids) if ids else 0
    if ids and not dry_run:
        queries.delete_flow_runs(connection, ids)
    return Chunk(Counter(state for _, state in going), task_runs, last)


@dataclass
class Pruned:
    """What a prune deleted (or would delete), over all its chunks."""

    runs_by_state: Counter[str] = field(default_factory=Counter)
    task_runs: int = 0
    chunks: int = 0

    @property
    def runs(self) -> int:
        """Flow runs, subflows included."""
        return sum(self.runs_by_state.values())

    def add(self, chunk: Chunk) -> None:
        """Count one more chunk in."""
        self.runs_by_state.update(chunk.runs_by_state)
        self.task_runs += chunk.task_runs
        self.chunks += 1


def prune(run_chunk: Callable[[Cursor | None], Chunk]) -> Pruned:
    """Run `run_chunk` (each call one transaction) from the start until no run is left."""
    pruned = Pruned()
    after: Cursor | None = None
    while True:
        chunk = run_chunk(after)
        if chunk.last is None:
            return pruned
        pruned.add(chunk)
        after = chunk.last
