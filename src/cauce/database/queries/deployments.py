"""Deployments and their schedules, and the flow runs the scheduler made for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, and_, delete, insert, select, update

from cauce.database.tables import deployment_schedules, deployments, flow_runs, flows, work_pools
from cauce.schemas.deployments import Deployment, DeploymentSchedule

_DEPLOYMENT_COLUMNS = (
    *deployments.c,
    flows.c.name.label("flow_name"),
    work_pools.c.name.label("work_pool_name"),
)


def _deployments_query() -> Any:
    return (
        select(*_DEPLOYMENT_COLUMNS)
        .join(flows, flows.c.id == deployments.c.flow_id)
        .join(work_pools, work_pools.c.id == deployments.c.work_pool_id)
    )


def _schedule_from_row(row: Row[Any]) -> DeploymentSchedule:
    return DeploymentSchedule(
        id=row.id,
        timezone=row.timezone,
        cron=row.cron,
        interval_seconds=row.interval_seconds,
        anchor=row.anchor,
        rrule=row.rrule,
        is_active=row.is_active,
        parameters=row.parameters,
        created=row.created,
    )


def _with_schedules(connection: Connection, rows: Iterable[Row[Any]]) -> list[Deployment]:
    found = [
        Deployment(
            id=row.id,
            flow_name=row.flow_name,
            name=row.name,
            entrypoint=row.entrypoint,
            work_pool_name=row.work_pool_name,
            source=row.source,
            branch=row.branch,
            parameters=row.parameters,
            parameter_schema=row.parameter_schema,
            tags=row.tags,
            description=row.description,
            version=row.version,
            is_paused=row.is_paused,
            concurrency_limit=row.concurrency_limit,
            watchdog_running_after_seconds=row.watchdog_running_after_seconds,
            created=row.created,
            updated=row.updated,
        )
        for row in rows
    ]
    if found:
        by_id = {deployment.id: deployment for deployment in found}
        query = (
            select(deployment_schedules)
            .where(deployment_schedules.c.deployment_id.in_(list(by_id)))
            .order_by(deployment_schedules.c.created, deployment_schedules.c.id)
        )
        for row in connection.execute(query):
            by_id[row.deployment_id].schedules.append(_schedule_from_row(row))
    return found


def select_deployment(connection: Connection, deployment_id: uuid.UUID) -> Deployment | None:
    """One deployment with its schedules, or None."""
    rows = connection.execute(_deployments_query().where(deployments.c.id == deployment_id))
    found = _with_schedules(connection, rows)
    return found[0] if found else None


def select_deployment_by_name(
    connection: Connection, flow_name: str, name: str
) -> Deployment | None:
    """The deployment `name` of the flow `flow_name`, with its schedules, or None."""
    query = _deployments_query().where(flows.c.name == flow_name, deployments.c.name == name)
    found = _with_schedules(connection, connection.execute(query))
    return found[0] if found else None


def select_deployments(
    connection: Connection,
    ids: list[uuid.UUID] | None = None,
    work_pool_name: str | None = None,
    for_update: bool = False,
) -> list[Deployment]:
    """Deployments with their schedules, by flow and name; only those of `ids` or of the
    pool `work_pool_name` when given. `for_update` locks their rows (PostgreSQL) until the
    transaction ends, in that order, so that changes to them wait."""
    query = _deployments_query().order_by(flows.c.name, deployments.c.name)
    if ids is not None:
        query = query.where(deployments.c.id.in_(ids))
    if work_pool_name is not None:
        query = query.where(work_pools.c.name == work_pool_name)
    if for_update:
        query = query.with_for_update(of=deployments)
    return _with_schedules(connection, connection.execute(query))


class DeploymentVersion(NamedTuple):
    """What the scheduler must see change to look at a deployment again."""

    updated: datetime
    pool_is_paused: bool


def select_deployment_versions(
    connection: Connection, ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, DeploymentVersion]:
    """For each deployment (or those of `ids`): when it last changed, and whether its
    pool is paused."""
    query = select(deployments.c.id, deployments.c.updated, work_pools.c.is_paused).join(
        work_pools, work_pools.c.id == deployments.c.work_pool_id
    )
    if ids is not None:
        query = query.where(deployments.c.id.in_(ids))
    return {
        row.id: DeploymentVersion(row.updated, row.is_paused) for row in connection.execute(query)
    }


def lock_deployment(connection: Connection, deployment_id: uuid.UUID) -> None:
    """Lock the deployment's row until the transaction ends (PostgreSQL; SQLite's write
    transaction is already the only one)."""
    connection.execute(
        select(deployments.c.id).where(deployments.c.id == deployment_id).with_for_update()
    )


def touch_deployment(connection: Connection, deployment_id: uuid.UUID, now: datetime) -> None:
    """Mark a deployment changed at `now` (its schedules changed)."""
    connection.execute(
        update(deployments).where(deployments.c.id == deployment_id).values(updated=now)
    )


def _deployment_values(deployment: Deployment, work_pool_id: uuid.UUID) -> dict[str, Any]:
    return {
        "name": deployment.name,
        "entrypoint": deployment.entrypoint,
        "source": deployment.source,
        "branch": deployment.branch,
        "parameters": deployment.parameters,
        "parameter_schema": deployment.parameter_schema,
        "work_pool_id": work_pool_id,
        "tags": deployment.tags,
        "description": deployment.description,
        "version": deployment.version,
        "is_paused": deployment.is_paused,
        "concurrency_limit": deployment.concurrency_limit,
        "watchdog_running_after_seconds": deployment.watchdog_running_after_seconds,
        "updated": deployment.updated,
    }


def insert_deployment(
    connection: Connection, deployment: Deployment, flow_id: uuid.UUID, work_pool_id: uuid.UUID
) -> None:
    """Record a new deployment (without its schedules)."""
    values = _deployment_values(deployment, work_pool_id)
    connection.execute(
        insert(deployments).values(
            id=deployment.id, flow_id=flow_id, created=deployment.created, **values
        )
    )


def update_deployment(
    connection: Connection, deployment: Deployment, work_pool_id: uuid.UUID
) -> None:
    """Store every field of an existing deployment but its schedules."""
    values = _deployment_values(deployment, work_pool_id)
    connection.execute(update(deployments).where(deployments.c.id == deployment.id).values(values))


def delete_deployment(connection: Connection, deployment_id: uuid.UUID) -> None:
    """Delete a deployment with its schedules; its runs stay, no longer linked to it."""
    connection.execute(delete(deployments).where(deployments.c.id == deployment_id))


def delete_future_runs(connection: Connection, deployment_id: uuid.UUID, now: datetime) -> int:
    """Delete a deployment's runs still waiting for a time after `now` (Scheduled, not
    Late), whoever made them; how many went."""
    condition = and_(
        flow_runs.c.deployment_id == deployment_id,
        flow_runs.c.state_type == "SCHEDULED",
        flow_runs.c.state_name == "Scheduled",
        flow_runs.c.expected_start_time > now,
    )
    return connection.execute(delete(flow_runs).where(condition)).rowcount


def insert_schedules(
    connection: Connection, deployment_id: uuid.UUID, schedules: list[DeploymentSchedule]
) -> None:
    """Add schedules to a deployment."""
    if schedules:
        connection.execute(
            insert(deployment_schedules),
            [
                {
                    "id": schedule.id,
                    "deployment_id": deployment_id,
                    "cron": schedule.cron,
                    "interval_seconds": schedule.interval_seconds,
                    "anchor": schedule.anchor,
                    "rrule": schedule.rrule,
                    "timezone": schedule.timezone,
                    "is_active": schedule.is_active,
                    "parameters": schedule.parameters,
                    "created": schedule.created,
                }
                for schedule in schedules
            ],
        )


def delete_schedules(
    connection: Connection, deployment_id: uuid.UUID, schedule_id: uuid.UUID | None = None
) -> int:
    """Delete one schedule of a deployment, or all of them; how many went."""
    query = delete(deployment_schedules).where(
        deployment_schedules.c.deployment_id == deployment_id
    )
    if schedule_id is not None:
        query = query.where(deployment_schedules.c.id == schedule_id)
    return connection.execute(query).rowcount


def update_schedule_activity(
    connection: Connection, deployment_id: uuid.UUID, schedule_id: uuid.UUID, is_active: bool
) -> int:
    """Pause or resume one schedule of a deployment; 1 if it exists, else 0."""
    query = (
        update(deployment_schedules)
        .where(
            deployment_schedules.c.deployment_id == deployment_id,
            deployment_schedules.c.id == schedule_id,
        )
        .values(is_active=is_active)
    )
    return connection.execute(query).rowcount


def delete_scheduled_runs(
    connection: Connection, deployment_id: uuid.UUID, after: datetime | None
) -> int:
    """Delete the runs the scheduler made for a deployment that are still waiting
    (Scheduled, not Late) to start after `after` (all of them with None)."""
    condition = and_(
        flow_runs.c.deployment_id == deployment_id,
        flow_runs.c.auto_scheduled,
        flow_runs.c.state_type == "SCHEDULED",
        flow_runs.c.state_name == "Scheduled",
    )
    if after is not None:
        condition = and_(condition, flow_runs.c.expected_start_time > after)
    return connection.execute(delete(flow_runs).where(condition)).rowcount


def select_scheduled_times(
    connection: Connection, deployment_ids: list[uuid.UUID], after: datetime
) -> dict[uuid.UUID, set[tuple[uuid.UUID | None, datetime]]]:
    """The (schedule id, expected start time) after `after` of the runs the scheduler
    already made, by deployment; the schedule id is None for runs made before 0013."""
    query = select(
        flow_runs.c.deployment_id,
        flow_runs.c.deployment_schedule_id,
        flow_runs.c.expected_start_time,
    ).where(
        flow_runs.c.deployment_id.in_(deployment_ids),
        flow_runs.c.auto_scheduled,
        flow_runs.c.expected_start_time > after,
    )
    found: dict[uuid.UUID, set[tuple[uuid.UUID | None, datetime]]] = {}
    for row in connection.execute(query):
        made = (row.deployment_schedule_id, row.expected_start_time)
        found.setdefault(row.deployment_id, set()).add(made)
    return found
