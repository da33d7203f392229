"""Which scheduled runs should exist, and making them: the scheduler's decisions.

For every active schedule of an active deployment (neither it nor its pool
paused), the runs due in the next `HORIZON` are kept created as Scheduled, and
never fewer than `MIN_RUNS` nor more than `MAX_RUNS` per schedule. Runs are
made through the core's `create_flow_run`, auto-scheduled: a unique index on
(deployment, expected start time) makes every pass idempotent, so a restart or
a second server never makes a run twice. A deployment created or changed gets
its runs at once (`schedule_deployment_runs`), not at the scheduler's next tick.

A pass that finds nothing to do computes nothing: `SchedulerMemo` keeps, for
each deployment, the version it was scheduled at and the first moment its wanted
runs can change (its next run passes, or a new one enters the 24 h), and only
deployments changed since or due again are read and computed.

Scheduled runs whose time is more than `late_after` past become Late (a
Scheduled-type state), through the flow-run rules like any other change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from cauce.database.queries import deployments as queries
from cauce.database.recording.executors import executor_for
from cauce.database.tables import flow_runs
from cauce.ids import new_id
from cauce.orchestration.flow_runs import create_flow_run
from cauce.orchestration.schedules import as_schedule, next_run_times
from cauce.orchestration.set_state import set_flow_run_state
from cauce.run_names import generate_run_name
from cauce.schemas.deployments import Deployment, DeploymentSchedule
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.settings.durations import format_duration
from cauce.states import Late, Scheduled, State

HORIZON = timedelta(hours=24)
MIN_RUNS = 3
MAX_RUNS = 100


def scheduled_at(when: datetime, now: datetime) -> State:
    """A Scheduled state for `when`, entered at `now` (the time the caller decides with)."""
    state = Scheduled(scheduled_time=when)
    state.timestamp = now
    return state


def upcoming_times(schedule: DeploymentSchedule, now: datetime) -> list[datetime]:
    """The run times of `schedule` that should exist as runs at `now`."""
    pure = as_schedule(schedule)
    times = next_run_times(pure, now, until=now + HORIZON, limit=MAX_RUNS)
    if len(times) < MIN_RUNS:
        times = next_run_times(pure, now, count=MIN_RUNS)
    return times


@dataclass
class SchedulerMemo:
    """What earlier passes of one scheduler found: for each deployment, the version
    (`updated`) it was scheduled at and when its wanted runs next change."""

    checked: dict[uuid.UUID, tuple[datetime, datetime]] = field(default_factory=dict)

    def is_due(self, deployment_id: uuid.UUID, version: datetime, now: datetime) -> bool:
        """Whether the deployment must be looked at again."""
        seen = self.checked.get(deployment_id)
        return seen is None or seen[0] != version or seen[1] <= now


def _next_change(schedule: DeploymentSchedule, times: list[datetime], now: datetime) -> datetime:
    """When the runs `schedule` wants can next differ from `times`: its first run passes,
    or the run after the last one enters the horizon."""
    if not times:
        return now + HORIZON
    moments = [times[0]]
    following = next_run_times(as_schedule(schedule), times[-1], count=1)
    if following and len(times) < MAX_RUNS and following[0] - HORIZON > now:
        moments.append(following[0] - HORIZON)
    return min(moments)


def schedule_deployment_runs(
    connection: Connection,
    deployments: list[Deployment],
    now: datetime,
    memo: SchedulerMemo | None = None,
) -> int:
    """Create the missing upcoming runs of these deployments; how many were made."""
    active = [d for d in deployments if not d.is_paused and any(s.is_active for s in d.schedules)]
    if memo is not None:
        active_ids = {d.id for d in active}
        for deployment in deployments:
            if deployment.id not in active_ids:  # nothing to schedule until it changes
                memo.checked[deployment.id] = (deployment.updated, now + HORIZON)
    if not active:
        return 0
    existing = queries.select_scheduled_times(connection, [d.id for d in active], now)
    executor = executor_for(connection)
    made = 0
    flow_ids: dict[str, uuid.UUID] = {}
    for deployment in active:
        have = existing.get(deployment.id, set())
        by_schedule = [(s, upcoming_times(s, now)) for s in deployment.schedules if s.is_active]
        wanted = sorted({t for _, times in by_schedule for t in times})
        if memo is not None:
            change = min(_next_change(s, times, now) for s, times in by_schedule)
            memo.checked[deployment.id] = (deployment.updated, change)
        for when in wanted:
            if when in have:
                continue
            flow_run = FlowRun(
                id=new_id(),
                flow_name=deployment.flow_name,
                name=generate_run_name(),
                state=scheduled_at(when, now),
                parameters=dict(deployment.parameters),
                tags=list(deployment.tags),
                created=now,
                deployment_id=deployment.id,
                expected_start_time=when,
                auto_scheduled=True,
            )
            known = flow_ids.get(deployment.flow_name)
            flow_ids[deployment.flow_name], recorded = create_flow_run(
                executor, flow_run, None, known
            )
            made += recorded
    return made


def schedule_upcoming_runs(
    connection: Connection, now: datetime, memo: SchedulerMemo | None = None
) -> int:
    """One scheduler pass over the active deployments (with `memo`, those changed or due
    since the last pass); how many runs it made."""
    if memo is None:
        due = queries.select_deployments(connection, active_only=True)
        return schedule_deployment_runs(connection, due, now)
    versions = queries.select_active_deployment_versions(connection)
    for gone in memo.checked.keys() - versions.keys():
        del memo.checked[gone]
    ids = [i for i, version in versions.items() if memo.is_due(i, version, now)]
    if not ids:
        return 0
    due = queries.select_deployments(connection, active_only=True, ids=ids)
    return schedule_deployment_runs(connection, due, now, memo)


def reschedule_deployment(connection: Connection, deployment: Deployment, now: datetime) -> int:
    """After a change to a deployment or its schedules: drop its future runs that are
    still only Scheduled, and make the ones its schedules now say."""
    queries.delete_scheduled_runs(connection, deployment.id, now)
    return schedule_deployment_runs(connection, [deployment], now)


def mark_late_runs(connection: Connection, now: datetime, late_after: timedelta) -> int:
    """Scheduled runs more than `late_after` past their time become Late; how many."""
    overdue = connection.execute(
        select(flow_runs.c.id, flow_runs.c.scheduled_time, flow_runs.c.state_id).where(
            flow_runs.c.state_type == "SCHEDULED",
            flow_runs.c.state_name == "Scheduled",
            flow_runs.c.scheduled_time < now - late_after,
        )
    ).all()
    executor = executor_for(connection)
    marked = 0
    for row in overdue:
        message = f"Not started {format_duration(late_after)} after its scheduled time."
        late = Late(row.scheduled_time, message)
        late.timestamp = now
        # Compare-and-set: a run claimed since it was read stays claimed.
        result = set_flow_run_state(executor, row.id, late, expected_state_id=row.state_id)
        marked += result.status is SetStateStatus.ACCEPT
    return marked
