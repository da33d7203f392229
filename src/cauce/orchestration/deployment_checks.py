"""What the core refuses in a deployment before it looks at the store.

One function for every way a deployment comes in: the API's apply, and before
it, on the client's side, the CLI's flags, the wizard's answers, cauce.yaml and
`flow.deploy()`, so that each says no in the same words before anything is
written. Pure (no database), so a client imports it without SQLAlchemy.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from typing import Any

from cauce.orchestration.errors import InvalidRequest
from cauce.orchestration.parameters import ParameterError, check_parameters
from cauce.orchestration.schedules import (
    ScheduleError,
    as_schedule,
    resolve_anchor,
    validate_schedule,
)
from cauce.schemas.deployments import Deployment, DeploymentSchedule


def check_deployment(deployment: Deployment, now: datetime) -> list[DeploymentSchedule]:
    """The deployment's schedules as they would be stored (created at `now`, each anchor
    an instant); InvalidRequest naming the deployment for a bad schedule, default
    parameter (the deployment's or a schedule's), concurrency limit or watchdog
    duration. The pool is the store's to check."""
    try:
        schedules = [checked_schedule(schedule, now) for schedule in deployment.schedules]
        check_parameters(deployment.parameter_schema, deployment.parameters, complete=False)
        for schedule in schedules:
            check_schedule_parameters(schedule, deployment.parameter_schema)
    except (InvalidRequest, ParameterError) as exc:
        raise InvalidRequest(f"deployment {deployment.full_name!r}: {exc}") from None
    if deployment.concurrency_limit is not None and deployment.concurrency_limit < 0:
        raise InvalidRequest(
            f"deployment {deployment.full_name!r}: its concurrency limit cannot be negative"
        )
    running_after = deployment.watchdog_running_after_seconds
    if running_after is not None and not 0 < running_after < math.inf:
        raise InvalidRequest(
            f"deployment {deployment.full_name!r}: "
            "watchdog_running_after must be a positive duration"
        )
    return schedules


def checked_schedule(schedule: DeploymentSchedule, now: datetime) -> DeploymentSchedule:
    """The schedule to store, created at `now`, its anchor an instant; InvalidRequest if bad."""
    kinds = [schedule.cron, schedule.interval_seconds, schedule.rrule]
    if sum(kind is not None for kind in kinds) != 1:
        raise InvalidRequest("a schedule needs exactly one of cron, interval and rrule")
    try:
        validate_schedule(as_schedule(schedule))
        anchor = (
            None if schedule.anchor is None else resolve_anchor(schedule.anchor, schedule.timezone)
        )
    except ScheduleError as exc:
        raise InvalidRequest(str(exc)) from None
    return replace(schedule, anchor=anchor, created=now)


def schedule_label(schedule: DeploymentSchedule) -> str:
    """How an error names a schedule: its kind and expression."""
    if schedule.cron is not None:
        return f"schedule cron {schedule.cron!r}"
    if schedule.rrule is not None:
        return f"schedule rrule {schedule.rrule!r}"
    return f"schedule every {schedule.interval_seconds:g}s"


def check_schedule_parameters(schedule: DeploymentSchedule, schema: dict[str, Any]) -> None:
    """InvalidRequest naming the schedule and the parameter when the flow's parameter
    schema refuses one of the schedule's own parameters (checked as the deployment's
    defaults are: a run may still bring the rest)."""
    try:
        check_parameters(schema, schedule.parameters, complete=False)
    except ParameterError as exc:
        raise InvalidRequest(f"{schedule_label(schedule)}: {exc}") from None
