"""SQL for retention: the ended runs old enough to go, their subflow trees, and the
deletion of a tree's rows, children first. Which runs may go, and how many at a time,
is decided in orchestration/retention.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, delete, exists, func, or_, select

from cauce.database.tables import (
    artifacts,
    flow_run_states,
    flow_runs,
    logs,
    task_run_states,
    task_runs,
)


def select_ended_roots(
    connection: Connection,
    cutoff: datetime,
    state_type: str,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[datetime, uuid.UUID]]:
    """(created, id) of up to `limit` top-level runs (no parent, or a parent no longer
    recorded) in `state_type` that ended before `cutoff` (their end time, else their
    state's time), oldest first, after `after` in that order."""
    parent = flow_runs.alias("parent")
    ended = func.coalesce(flow_runs.c.end_time, flow_runs.c.state_timestamp)
    has_parent = exists().where(parent.c.id == flow_runs.c.parent_flow_run_id)
    created, run_id = flow_runs.c.created, flow_runs.c.id
    # A run ended after it was created: the bound on `created` lets the query walk the
    # (state_type, created) index from `after` instead of sorting every ended run.
    query = select(created, run_id).where(
        flow_runs.c.state_type == state_type,
        created < cutoff,
        ended < cutoff,
        or_(flow_runs.c.parent_flow_run_id.is_(None), ~has_parent),
    )
    if after is not None:
        query = query.where(or_(created > after[0], and_(created == after[0], run_id > after[1])))
    rows = connection.execute(query.order_by(created, run_id).limit(limit))
    return [(at, found) for at, found in rows]


def select_trees(
    connection: Connection, roots: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, str | None]]:
    """(root id, run id, state type) of each root and every run below it, at any depth."""
    top = select(
        flow_runs.c.id.label("root"), flow_runs.c.id.label("id"), flow_runs.c.state_type
    ).where(flow_runs.c.id.in_(roots))
    tree = top.cte("tree", recursive=True)
    child = flow_runs.alias("child")
    tree = tree.union_all(
        select(tree.c.root, child.c.id, child.c.state_type).join(
            tree, child.c.parent_flow_run_id == tree.c.id
        )
    )
    rows = connection.execute(select(tree.c.root, tree.c.id, tree.c.state_type))
    return [(root, run, state) for root, run, state in rows]


def count_task_runs(connection: Connection, flow_run_ids: Sequence[uuid.UUID]) -> int:
    """How many task runs these flow runs have."""
    query = select(func.count()).where(task_runs.c.flow_run_id.in_(flow_run_ids))
    return int(connection.execute(query).scalar_one())


def delete_flow_runs(connection: Connection, flow_run_ids: Sequence[uuid.UUID]) -> None:
    """Delete these flow runs with their states, task runs (and theirs), logs and artifacts.

    Children first, one statement per table: what the foreign keys' cascade would do,
    without depending on a connection that enforces them."""
    of_runs = task_runs.c.flow_run_id.in_(flow_run_ids)
    task_run_ids = select(task_runs.c.id).where(of_runs)
    connection.execute(
        delete(task_run_states).where(task_run_states.c.task_run_id.in_(task_run_ids))
    )
    connection.execute(delete(task_runs).where(of_runs))
    for child in (flow_run_states, logs, artifacts):
        connection.execute(delete(child).where(child.c.flow_run_id.in_(flow_run_ids)))
    connection.execute(delete(flow_runs).where(flow_runs.c.id.in_(flow_run_ids)))
