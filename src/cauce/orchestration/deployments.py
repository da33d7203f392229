"""Deployments: create or change them, their schedules, and runs made from them.

Every change is checked before anything is written (the pool exists, each
schedule is valid, default parameters fit the flow's signature) and then
rescheduled in the same transaction: the deployment's future runs that are
still only Scheduled are replaced by the ones its schedules now say. The caller
holds a write transaction on a SQLAlchemy connection.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries import deployments as queries
from cauce.database.queries.flow_runs import select_flow_run
from cauce.database.queries.work_pools import select_work_pool
from cauce.database.recording import writes
from cauce.database.recording.executors import executor_for
from cauce.ids import new_id
from cauce.orchestration.deployment_checks import (
    check_deployment,
    check_schedule_parameters,
    checked_schedule,
)
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.orchestration.flow_runs import create_flow_run
from cauce.orchestration.parameters import ParameterError, check_parameters
from cauce.orchestration.scheduling import (
    reschedule_deployment,
    scheduled_at,
    top_up_deployment,
)
from cauce.run_names import generate_run_name
from cauce.schemas.deployments import Deployment, DeploymentSchedule
from cauce.schemas.flow_runs import FlowRun


def _schedule_key(schedule: DeploymentSchedule) -> tuple[object, ...]:
    """What makes two schedules the same one; whether it is active is not part of it."""
    return (
        schedule.cron,
        schedule.interval_seconds,
        schedule.rrule,
        schedule.timezone,
        schedule.anchor,
    )


def _keep_unchanged(
    stored: list[DeploymentSchedule], applied: list[DeploymentSchedule]
) -> list[DeploymentSchedule]:
    """`applied`, each schedule equal to a stored one taking that one's id and creation
    time: an interval without an anchor counts from its creation, so re-applying it
    (`cauce deploy --all`, `serve`'s hourly apply) must not move its runs."""
    unused = list(stored)
    kept: list[DeploymentSchedule] = []
    for schedule in applied:
        same = next((s for s in unused if _schedule_key(s) == _schedule_key(schedule)), None)
        if same is not None:
            unused.remove(same)
            schedule = replace(schedule, id=same.id, created=same.created)
        kept.append(schedule)
    return kept


def _pool_id(connection: Connection, name: str) -> uuid.UUID:
    pool = select_work_pool(connection, name)
    if pool is None:
        raise InvalidRequest(
            f"work pool {name!r} does not exist (create it with `cauce work-pool create {name}`)"
        )
    return pool.id


def read_deployment(connection: Connection, deployment_id: uuid.UUID) -> Deployment:
    """One deployment with its schedules; ObjectNotFound naming it."""
    deployment = queries.select_deployment(connection, deployment_id)
    if deployment is None:
        raise ObjectNotFound(f"deployment {deployment_id} does not exist")
    return deployment


def read_deployment_by_name(connection: Connection, full_name: str) -> Deployment:
    """The deployment named `flow-name/deployment-name`; ObjectNotFound naming it."""
    flow_name, slash, name = full_name.partition("/")
    if not slash or not flow_name or not name:
        raise InvalidRequest(f"deployment {full_name!r} must be named FLOW/DEPLOYMENT")
    deployment = queries.select_deployment_by_name(connection, flow_name, name)
    if deployment is None:
        raise ObjectNotFound(f"deployment {full_name!r} does not exist")
    return deployment


def apply_deployment(connection: Connection, deployment: Deployment, now: datetime) -> Deployment:
    """Create the deployment, or update the one of the same flow and name (keeping its id
    and creation time, replacing its schedules but keeping the id and creation time of
    those that did not change); its upcoming runs are made at once."""
    schedules = check_deployment(deployment, now)
    pool_id = _pool_id(connection, deployment.work_pool_name)
    existing = queries.select_deployment_by_name(connection, deployment.flow_name, deployment.name)
    if existing is not None:
        # Two applies of one deployment take turns: the second keeps what the first stored.
        queries.lock_deployment(connection, existing.id)
        existing = read_deployment(connection, existing.id)
    if existing is None:
        flow_id = writes.flow_id_for_name(executor_for(connection), deployment.flow_name)
        stored = replace(deployment, schedules=schedules, created=now, updated=now)
        queries.insert_deployment(connection, stored, flow_id, pool_id)
    else:
        stored = replace(
            deployment,
            id=existing.id,
            schedules=_keep_unchanged(existing.schedules, schedules),
            created=existing.created,
            updated=now,
        )
        if replace(stored, updated=existing.updated) == existing:
            # Applied again unchanged (`deploy --all`, serve's hourly apply): its waiting
            # runs are kept as they are, and only topped up.
            top_up_deployment(connection, existing, now)
            return existing
        queries.update_deployment(connection, stored, pool_id)
        queries.delete_schedules(connection, stored.id)
    queries.insert_schedules(connection, stored.id, stored.schedules)
    reschedule_deployment(connection, stored, now)
    return read_deployment(connection, stored.id)


def set_deployment_paused(
    connection: Connection, deployment_id: uuid.UUID, is_paused: bool, now: datetime
) -> Deployment:
    """Pause (its future Scheduled runs go) or resume (they are made again) a deployment."""
    deployment = read_deployment(connection, deployment_id)
    deployment.is_paused = is_paused
    deployment.updated = now
    queries.update_deployment(
        connection, deployment, _pool_id(connection, deployment.work_pool_name)
    )
    reschedule_deployment(connection, deployment, now)
    return deployment


def delete_deployment(connection: Connection, deployment_id: uuid.UUID, now: datetime) -> int:
    """Delete a deployment with its schedules and its future Scheduled runs; how many
    runs went. The rest (due, Late, started or ended: its history) stay, no longer
    linked to it."""
    read_deployment(connection, deployment_id)
    # A scheduler pass holding the row finishes first, so the runs it makes go too.
    queries.lock_deployment(connection, deployment_id)
    removed = queries.delete_future_runs(connection, deployment_id, now)
    queries.delete_deployment(connection, deployment_id)
    return removed


def add_schedule(
    connection: Connection, deployment_id: uuid.UUID, schedule: DeploymentSchedule, now: datetime
) -> Deployment:
    """Add a schedule to a deployment; its runs are made at once."""
    schedule = checked_schedule(schedule, now)
    deployment = read_deployment(connection, deployment_id)
    try:
        check_schedule_parameters(schedule, deployment.parameter_schema)
    except InvalidRequest as exc:
        raise InvalidRequest(f"deployment {deployment.full_name!r}: {exc}") from None
    queries.insert_schedules(connection, deployment.id, [schedule])
    queries.touch_deployment(connection, deployment.id, now)
    deployment.schedules.append(schedule)
    deployment.updated = now
    reschedule_deployment(connection, deployment, now)
    return deployment


def set_schedule_active(
    connection: Connection,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID,
    is_active: bool,
    now: datetime,
) -> Deployment:
    """Pause or resume one schedule of a deployment, remaking its future runs."""
    if not queries.update_schedule_activity(connection, deployment_id, schedule_id, is_active):
        raise ObjectNotFound(f"deployment {deployment_id} has no schedule {schedule_id}")
    queries.touch_deployment(connection, deployment_id, now)
    deployment = read_deployment(connection, deployment_id)
    reschedule_deployment(connection, deployment, now)
    return deployment


def delete_schedule(
    connection: Connection, deployment_id: uuid.UUID, schedule_id: uuid.UUID, now: datetime
) -> Deployment:
    """Remove one schedule of a deployment, with the future runs only it would make."""
    if not queries.delete_schedules(connection, deployment_id, schedule_id):
        raise ObjectNotFound(f"deployment {deployment_id} has no schedule {schedule_id}")
    queries.touch_deployment(connection, deployment_id, now)
    deployment = read_deployment(connection, deployment_id)
    reschedule_deployment(connection, deployment, now)
    return deployment


def create_flow_run_from_deployment(
    connection: Connection,
    deployment_id: uuid.UUID,
    parameters: dict[str, Any],
    now: datetime,
    scheduled_time: datetime | None = None,
    tags: list[str] | None = None,
    flow_run_id: uuid.UUID | None = None,
) -> FlowRun:
    """A run of the deployment asked for by hand: Scheduled for `scheduled_time` (now
    when omitted), with the deployment's default parameters overridden by `parameters`,
    which are checked against the flow's signature first.

    `flow_run_id`, chosen by the caller, makes the request safe to send again: if that
    run of this deployment exists already, it is returned as it is."""
    if flow_run_id is not None:
        existing = select_flow_run(connection, flow_run_id)
        if existing is not None and existing.deployment_id == deployment_id:
            return existing
    deployment = read_deployment(connection, deployment_id)
    merged = {**deployment.parameters, **parameters}
    try:
        check_parameters(deployment.parameter_schema, merged)
    except ParameterError as exc:
        raise InvalidRequest(str(exc)) from None
    when = scheduled_time or now
    flow_run = FlowRun(
        id=flow_run_id or new_id(),
        flow_name=deployment.flow_name,
        name=generate_run_name(),
        state=scheduled_at(when, now),
        parameters=merged,
        tags=sorted({*deployment.tags, *(tags or [])}),
        created=now,
        deployment_id=deployment.id,
        expected_start_time=when,
    )
    create_flow_run(executor_for(connection), flow_run, None)
    return flow_run
