"""Which scheduled runs should exist, and making them: the scheduler's decisions.

For every active schedule of an active deployment (neither it nor its pool
paused), the runs due in the next `HORIZON` are kept created as Scheduled, and
never fewer than `MIN_RUNS` nor more than `MAX_RUNS` per schedule. Runs are
made through the core's `create_flow_run`, auto-scheduled: a unique index on
(deployment, schedule, expected start time) makes every pass idempotent, so a
restart or a second server never makes a run twice, and two schedules due at one
instant make a run each (each with its own parameters), as in Prefect. A
deployment created or changed gets its runs at once (`reschedule_deployment`),
not at the scheduler's next tick; whether a deployment makes runs is one
function, `active_schedules`, for both.

A pass that finds nothing to do computes nothing: `SchedulerMemo` keeps, for
each deployment, the version it was scheduled at and the first moment its wanted
runs can change (its next run passes, or a new one enters the 24 h), and only
deployments changed since or due again are read and computed. The memo is
kept only once the pass's transaction committed (`services/scheduler.py`).

On PostgreSQL a pass and a change to a deployment serialize on the deployment's
row (`SELECT ... FOR UPDATE`): two servers never keep runs of an old schedule.

Scheduled runs whose time is more than `late_after` past become Late (a
Scheduled-type state), through the flow-run rules like any other change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from cauce.database.queries import deployments as queries
from cauce.database.queries.deployments import DeploymentVersion
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


def active_schedules(deployment: Deployment, pool_is_paused: bool) -> list[DeploymentSchedule]:
    """The schedules that make runs for `deployment`: its active ones, and none while it
    or its work pool is paused.

    The one meaning of "active": the scheduler's pass and every change to a deployment
    (through `reschedule_deployment`) decide with it."""
    if deployment.is_paused or pool_is_paused:
        return []
    return [schedule for schedule in deployment.schedules if schedule.is_active]


@dataclass
class SchedulerMemo:
    """What earlier passes of one scheduler found: for each deployment, the version it
    was scheduled at and when its wanted runs next change.

    A pass writes to a `draft` and the scheduler `keep`s it only once the pass's
    transaction committed: a pass rolled back must not make its runs look made."""

    checked: dict[uuid.UUID, tuple[DeploymentVersion, datetime]] = field(default_factory=dict)

    def is_due(self, deployment_id: uuid.UUID, version: DeploymentVersion, now: datetime) -> bool:
        """Whether the deployment must be looked at again."""
        seen = self.checked.get(deployment_id)
        return seen is None or seen[0] != version or seen[1] <= now

    def draft(self) -> SchedulerMemo:
        """A copy for one pass to change."""
        return SchedulerMemo(dict(self.checked))

    def keep(self, draft: SchedulerMemo) -> None:
        """Take what a committed pass found."""
        self.checked = draft.checked


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


def _new_run(
    deployment: Deployment, schedule: DeploymentSchedule, when: datetime, now: datetime
) -> FlowRun:
    return FlowRun(
        id=new_id(),
        flow_name=deployment.flow_name,
        name=generate_run_name(),
        state=scheduled_at(when, now),
        # The schedule's own parameters over the deployment's, as in Prefect.
        parameters={**deployment.parameters, **schedule.parameters},
        tags=list(deployment.tags),
        created=now,
        deployment_id=deployment.id,
        expected_start_time=when,
        auto_scheduled=True,
        deployment_schedule_id=schedule.id,
    )


def _missing(
    by_schedule: list[tuple[DeploymentSchedule, list[datetime]]],
    have: set[tuple[uuid.UUID | None, datetime]],
) -> list[tuple[DeploymentSchedule, datetime]]:
    """The (schedule, time) runs wanted and not made yet, in time order. A run that
    names no current schedule counts for the first schedule due at its time: one made
    before runs named their schedule (0013), or by a schedule since replaced (a
    deployment applied again) that had already started, say by a prefetching worker."""
    current = {schedule.id for schedule, _ in by_schedule}
    unnamed = {when for schedule_id, when in have if schedule_id not in current}
    missing: list[tuple[DeploymentSchedule, datetime]] = []
    for schedule, times in by_schedule:
        for when in times:
            if when in unnamed:
                unnamed.discard(when)
            elif (schedule.id, when) not in have:
                missing.append((schedule, when))
    return sorted(missing, key=lambda pair: pair[1])


def _make_runs(
    connection: Connection, deployments: list[Deployment], now: datetime, memo: SchedulerMemo | None
) -> int:
    """Create the missing upcoming runs of `deployments`, locked by the caller; how many
    were made. With `memo`, note what was found."""
    # Read under the caller's lock: a pool paused since the pass began is seen paused.
    versions = queries.select_deployment_versions(connection, [d.id for d in deployments])
    plans = {d.id: active_schedules(d, versions[d.id].pool_is_paused) for d in deployments}
    active = [d for d in deployments if plans[d.id]]
    if memo is not None:
        for deployment in deployments:
            if not plans[deployment.id]:  # nothing to schedule until it changes
                memo.checked[deployment.id] = (versions[deployment.id], now + HORIZON)
    if not active:
        return 0
    existing = queries.select_scheduled_times(connection, [d.id for d in active], now)
    executor = executor_for(connection)
    made = 0
    flow_ids: dict[str, uuid.UUID] = {}
    for deployment in active:
        by_schedule = [(s, upcoming_times(s, now)) for s in plans[deployment.id]]
        if memo is not None:
            change = min(_next_change(s, times, now) for s, times in by_schedule)
            memo.checked[deployment.id] = (versions[deployment.id], change)
        for schedule, when in _missing(by_schedule, existing.get(deployment.id, set())):
            known = flow_ids.get(deployment.flow_name)
            flow_ids[deployment.flow_name], recorded = create_flow_run(
                executor, _new_run(deployment, schedule, when, now), None, known
            )
            made += recorded
    return made


def schedule_upcoming_runs(
    connection: Connection, now: datetime, memo: SchedulerMemo | None = None
) -> int:
    """One scheduler pass over the deployments (with `memo`, those changed or due since
    the last pass); how many runs it made.

    The deployments it reads are locked until the pass commits (on PostgreSQL), as
    `reschedule_deployment` locks the one it changes: a change on another server waits
    for the pass, or the pass for the change, so no pass ever adds runs of a schedule
    that a committed change replaced."""
    versions = queries.select_deployment_versions(connection)
    if memo is None:
        ids = list(versions)
    else:
        for gone in memo.checked.keys() - versions.keys():
            del memo.checked[gone]
        ids = [i for i, version in versions.items() if memo.is_due(i, version, now)]
    if not ids:
        return 0
    due = queries.select_deployments(connection, ids=ids, for_update=True)
    return _make_runs(connection, due, now, memo)


def reschedule_deployment(connection: Connection, deployment: Deployment, now: datetime) -> int:
    """After a change to a deployment, its schedules or its pool: drop its future runs
    that are still only Scheduled, and make the ones its active schedules now say.

    Its row is locked first (PostgreSQL), so a scheduler pass on another server either
    finished before (its runs are dropped here) or waits and reads the change."""
    queries.lock_deployment(connection, deployment.id)
    queries.delete_scheduled_runs(connection, deployment.id, now)
    return _make_runs(connection, [deployment], now, None)


def top_up_deployment(connection: Connection, deployment: Deployment, now: datetime) -> int:
    """Make the deployment's upcoming runs its schedules say and it lacks, keeping the
    ones it has (a unique key makes each scheduled time once)."""
    queries.lock_deployment(connection, deployment.id)
    return _make_runs(connection, [deployment], now, None)


def reschedule_work_pool(connection: Connection, work_pool_name: str, now: datetime) -> int:
    """After a pool is paused or resumed: reschedule each of its deployments (a paused
    pool's deployments keep no future Scheduled runs); how many runs were made."""
    in_pool = queries.select_deployments(connection, work_pool_name=work_pool_name)
    return sum(reschedule_deployment(connection, deployment, now) for deployment in in_pool)


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
