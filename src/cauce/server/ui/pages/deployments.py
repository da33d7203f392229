"""The deployment pages: every deployment at /deployments, and one at /deployments/{id}.

A schedule's run times are shown in the schedule's own zone (the one its cron or
interval is read in), computed by the core's schedule math, as `cauce deployment
inspect` shows them; other times in the server's zone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from cauce.schemas.deployments import Deployment, DeploymentSchedule
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui import csrf
from cauce.server.ui.pages import deployment_schedules
from cauce.server.ui.pages.common import (
    not_found,
    read_deployment,
    see_other,
    with_token,
    zone,
)
from cauce.server.ui.pages.deployment_form import (
    FIELD_PREFIX,
    FormValueError,
    read_run_form,
    run_fields,
)
from cauce.server.ui.rendering import local_time, render
from cauce.server.wakeups import RunsMadeDep
from cauce.states import now_utc

router = APIRouter(include_in_schema=False)

NEXT_RUNS = 5
RECENT_RUNS = 20


@dataclass(slots=True)
class ScheduleView:
    """A schedule as the pages show it: in words, active or not, and its next run times."""

    id: uuid.UUID
    text: str
    timezone: str
    is_active: bool
    next_times: list[datetime]


@dataclass(slots=True)
class ParameterView:
    """A parameter of the flow: the value the deployment gives it and the flow's default."""

    name: str
    value: str | None
    """As JSON; None when the deployment leaves it to the flow's default."""
    default: str | None
    """As JSON; None when the flow has none (the parameter is required)."""


def schedule_view(schedule: DeploymentSchedule, now: datetime, count: int) -> ScheduleView:
    """What the pages show of `schedule`, with its next `count` run times after `now`."""
    from cauce.orchestration.schedules import as_schedule, describe, next_run_times

    computed = as_schedule(schedule)
    times = next_run_times(computed, now, count=count)
    return ScheduleView(
        schedule.id, describe(computed), schedule.timezone, schedule.is_active, times
    )


def next_run(deployment: Deployment, now: datetime) -> tuple[datetime, str] | None:
    """The soonest run time of the deployment's active schedules, with that schedule's zone;
    None when it is paused or nothing is scheduled."""
    if deployment.is_paused:
        return None
    soonest: tuple[datetime, str] | None = None
    for schedule in deployment.schedules:
        if schedule.is_active:
            for moment in schedule_view(schedule, now, 1).next_times:
                if soonest is None or moment < soonest[0]:
                    soonest = (moment, schedule.timezone)
    return soonest


def _parameters(deployment: Deployment) -> list[ParameterView]:
    """Each parameter the flow declares or the deployment sets, in the flow's order."""
    properties: dict[str, Any] = deployment.parameter_schema.get("properties", {})
    names = list(properties) + [n for n in deployment.parameters if n not in properties]
    return [
        ParameterView(
            name,
            _json(deployment.parameters[name]) if name in deployment.parameters else None,
            _json(properties[name]["default"]) if "default" in properties.get(name, {}) else None,
        )
        for name in names
    ]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _running_after(deployment: Deployment) -> str:
    """How long its runs may stay Running before the watchdog cancels them."""
    from datetime import timedelta

    from cauce.settings.durations import format_duration

    seconds = deployment.watchdog_running_after_seconds
    if seconds is None:
        return "the watchdog's default (CAUCE_WATCHDOG_RUNNING_AFTER)"
    return format_duration(timedelta(seconds=seconds))


@router.get("/deployments", response_class=HTMLResponse)
async def deployments_page(request: Request, database: DatabaseDep) -> Any:
    """Every deployment with its pool, schedules, whether it is paused, and its next run."""
    from cauce.database.queries.deployments import select_deployments

    found = await database.read(lambda connection: select_deployments(connection))
    now = now_utc()
    rows = [
        {
            "deployment": deployment,
            "schedules": [schedule_view(s, now, 0) for s in deployment.schedules],
            "next_run": next_run(deployment, now),
        }
        for deployment in found
    ]
    return render("deployments.html", zone(request), rows=rows, in_zone=local_time)


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse)
async def deployment_page(request: Request, deployment_id: uuid.UUID, database: DatabaseDep) -> Any:
    """One deployment: its facts, its schedules with their next run times, its recent runs,
    Pause or Resume, and a form to run it."""
    return await _deployment_response(request, database, deployment_id)


async def _deployment_response(
    request: Request,
    database: ServerDatabase,
    deployment_id: uuid.UUID,
    status_code: int = 200,
    run_problem: str = "",
    submitted: Mapping[str, str] | None = None,
) -> Response:
    """The deployment's page; after a refused run, with the reason and what was typed."""
    from sqlalchemy import Connection

    from cauce.database.queries.deployments import select_deployment
    from cauce.database.queries.flow_runs import select_flow_runs
    from cauce.schemas.flow_runs import FlowRunFilter

    def read(connection: Connection) -> tuple[Deployment | None, list[Any]]:
        deployment = select_deployment(connection, deployment_id)
        if deployment is None:
            return None, []
        where = FlowRunFilter(deployment_id=deployment_id, limit=RECENT_RUNS)
        return deployment, select_flow_runs(connection, where)

    deployment, runs = await database.read(read)
    if deployment is None:
        return not_found(request, f"Deployment {deployment_id}")
    fields = run_fields(deployment)
    if submitted is not None:
        fields = [replace(f, value=submitted.get(FIELD_PREFIX + f.name, "")) for f in fields]
    now = now_utc()
    return with_token(
        request,
        "deployment.html",
        status_code,
        deployment=deployment,
        schedules=[schedule_view(s, now, NEXT_RUNS) for s in deployment.schedules],
        parameters=_parameters(deployment),
        running_after=_running_after(deployment),
        runs=runs,
        recent_runs=RECENT_RUNS,
        next_runs=NEXT_RUNS,
        in_zone=local_time,
        run_fields=fields,
        run_problem=run_problem,
        field_prefix=FIELD_PREFIX,
    )


_ACTIONS: dict[str, bool] = {"pause": True, "resume": False}
"""Each action of the confirmation page, with the `is_paused` it sets."""


@router.get("/deployments/{deployment_id}/{action}", response_class=HTMLResponse)
async def confirm_page(
    request: Request, deployment_id: uuid.UUID, action: str, database: DatabaseDep
) -> Any:
    """Asks before pausing or resuming: a form that POSTs the action."""
    if action not in _ACTIONS:
        return not_found(request, f"The page {request.url.path}")
    deployment = await read_deployment(database, deployment_id)
    if deployment is None:
        return not_found(request, f"Deployment {deployment_id}")
    return with_token(request, "deployment_confirm.html", deployment=deployment, action=action)


@router.post("/deployments/{deployment_id}/run")
async def run_deployment(
    request: Request,
    deployment_id: uuid.UUID,
    form: csrf.CheckedForm,
    database: DatabaseDep,
    runs_made: RunsMadeDep,
) -> Response:
    """A run of the deployment now, with the form's parameters checked as the API checks
    them; its page, or this form again naming the parameter refused."""
    from cauce.orchestration.deployments import create_flow_run_from_deployment as create
    from cauce.orchestration.errors import InvalidRequest

    deployment = await read_deployment(database, deployment_id)
    if deployment is None:
        return not_found(request, f"Deployment {deployment_id}")
    try:
        parameters = read_run_form(run_fields(deployment), form)
        now = now_utc()
        flow_run = await database.transaction(
            lambda connection: create(connection, deployment_id, parameters, now)
        )
    except (FormValueError, InvalidRequest) as exc:
        return await _deployment_response(
            request, database, deployment_id, 422, str(exc), submitted=form
        )
    runs_made.notify()
    return see_other(f"/flow-runs/{flow_run.id}")


# After /run: a path parameter would take "run" too.
@router.post("/deployments/{deployment_id}/{action}")
async def set_paused(
    request: Request,
    deployment_id: uuid.UUID,
    action: str,
    form: csrf.CheckedForm,
    database: DatabaseDep,
) -> Response:
    """Pause or resume the deployment as `cauce deployment pause/resume` does; back to its
    page, which shows the new status."""
    from cauce.orchestration.deployments import set_deployment_paused
    from cauce.orchestration.errors import ObjectNotFound

    if action not in _ACTIONS:
        return not_found(request, f"The page {request.url.path}")
    is_paused, now = _ACTIONS[action], now_utc()
    try:
        await database.transaction(
            lambda connection: set_deployment_paused(connection, deployment_id, is_paused, now)
        )
    except ObjectNotFound:
        return not_found(request, f"Deployment {deployment_id}")
    return see_other(f"/deployments/{deployment_id}")


# Last: its routes are longer than the ones above, so neither takes the other's paths.
router.include_router(deployment_schedules.router)
