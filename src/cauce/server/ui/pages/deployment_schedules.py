"""A deployment's schedules from its page: add, edit, pause or resume, and delete one.

What was typed is read as the CLI reads it (`schedule_from_input`: an interval as
`90`, `30m` or `2h`), then changed through the core the API uses, in one transaction;
a refusal is the core's one line above the form, which keeps what was typed. An edit
applies the deployment with that schedule replaced (`apply_deployment`): the others
keep their ids and their runs, and the edited one keeps its id and whether it is
active (it is created anew, so it is listed last).
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from cauce.schemas.deployments import Deployment, DeploymentSchedule
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui import csrf
from cauce.server.ui.pages.common import (
    not_found,
    read_deployment,
    see_other,
    with_token,
    zone,
)
from cauce.states import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

router = APIRouter(include_in_schema=False)

KINDS = ("cron", "interval", "rrule")
_ACTIVE: dict[str, bool] = {"pause": False, "resume": True}
"""Each schedule action without a confirmation, with the `is_active` it sets."""


class ScheduleFormError(ValueError):
    """What was typed cannot be read as a schedule; one line naming the field."""


@dataclass(slots=True, frozen=True)
class ScheduleForm:
    """The schedule form's fields, as text: what is shown, and what was typed."""

    kind: str = "cron"
    expression: str = ""
    timezone: str = "UTC"
    anchor: str = ""

    @classmethod
    def of(cls, schedule: DeploymentSchedule) -> ScheduleForm:
        """The form prefilled with `schedule` (an interval as `2h`, its anchor in its zone)."""
        from cauce.settings.durations import format_duration

        anchor = ""
        if schedule.anchor is not None:
            anchor = schedule.anchor.astimezone(zoneinfo.ZoneInfo(schedule.timezone)).isoformat()
        if schedule.interval_seconds is not None:
            seconds = timedelta(seconds=schedule.interval_seconds)
            return cls("interval", format_duration(seconds), schedule.timezone, anchor)
        if schedule.rrule is not None:
            return cls("rrule", schedule.rrule, schedule.timezone)
        return cls("cron", schedule.cron or "", schedule.timezone)

    @classmethod
    def typed(cls, form: dict[str, str]) -> ScheduleForm:
        """The fields as the browser sent them."""
        return cls(
            form.get("kind", ""),
            form.get("expression", ""),
            form.get("timezone", ""),
            form.get("anchor", ""),
        )

    def schedule(self, is_active: bool = True) -> DeploymentSchedule:
        """The checked schedule; ScheduleError (the core's words) or ScheduleFormError."""
        from cauce.orchestration.schedule_input import schedule_from_input

        if self.kind not in KINDS:
            raise ScheduleFormError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not self.expression.strip():
            raise ScheduleFormError(f"the {self.kind} is empty")
        if self.anchor.strip() and self.kind != "interval":
            raise ScheduleFormError("an anchor is for interval schedules only")
        typed = {kind: self.expression if kind == self.kind else None for kind in KINDS}
        return schedule_from_input(
            self.timezone,
            cron=typed["cron"],
            interval=typed["interval"],
            rrule=typed["rrule"],
            anchor=_anchor(self.anchor),
            is_active=is_active,
        )


def _anchor(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleFormError(
            f"the anchor must be a date and time such as 2026-01-01T09:00, got {text!r}"
        ) from None


@cache
def timezones() -> list[str]:
    """Every IANA zone name, sorted: the timezone input's suggestions."""
    return sorted(zoneinfo.available_timezones())


def _not_found(
    request: Request, deployment_id: uuid.UUID, schedule_id: uuid.UUID | None
) -> Response:
    what = f"Deployment {deployment_id}"
    if schedule_id is not None:
        what += f" or its schedule {schedule_id}"
    return not_found(request, what)


async def _read(
    database: ServerDatabase, deployment_id: uuid.UUID, schedule_id: uuid.UUID | None
) -> tuple[Deployment | None, DeploymentSchedule | None]:
    """The deployment and one of its schedules (None for either that is not there)."""
    deployment = await read_deployment(database, deployment_id)
    if deployment is None or schedule_id is None:
        return deployment, None
    return deployment, next((s for s in deployment.schedules if s.id == schedule_id), None)


def _form_page(
    request: Request,
    deployment: Deployment,
    fields: ScheduleForm,
    schedule_id: uuid.UUID | None,
    problem: str = "",
) -> Response:
    """The add (no `schedule_id`) or edit form, with a refusal's reason above it."""
    action = "new" if schedule_id is None else f"{schedule_id}/edit"
    return with_token(
        request,
        "deployment_schedule_form.html",
        422 if problem else 200,
        deployment=deployment,
        fields=fields,
        kinds=KINDS,
        editing=schedule_id is not None,
        action=f"/deployments/{deployment.id}/schedules/{action}",
        problem=problem,
        timezones=timezones(),
    )


@router.get("/deployments/{deployment_id}/schedules/new", response_class=HTMLResponse)
async def add_page(request: Request, deployment_id: uuid.UUID, database: DatabaseDep) -> Any:
    """The form to add a schedule, in the server's zone to begin with."""
    deployment, _ = await _read(database, deployment_id, None)
    if deployment is None:
        return _not_found(request, deployment_id, None)
    return _form_page(request, deployment, ScheduleForm(timezone=zone(request)), None)


@router.post("/deployments/{deployment_id}/schedules/new")
async def add(
    request: Request, deployment_id: uuid.UUID, form: csrf.CheckedForm, database: DatabaseDep
) -> Response:
    """Add the typed schedule as `POST /api/deployments/{id}/schedules` does; back to the
    deployment's page, or this form again with the reason."""
    from cauce.orchestration.deployments import add_schedule

    fields = ScheduleForm.typed(form)

    def change(connection: Connection, schedule: DeploymentSchedule, now: datetime) -> Any:
        return add_schedule(connection, deployment_id, schedule, now)

    return await _change(request, database, deployment_id, None, fields, change)


@router.get(
    "/deployments/{deployment_id}/schedules/{schedule_id}/edit", response_class=HTMLResponse
)
async def edit_page(
    request: Request, deployment_id: uuid.UUID, schedule_id: uuid.UUID, database: DatabaseDep
) -> Any:
    """The form to change a schedule, filled with what it is now."""
    deployment, schedule = await _read(database, deployment_id, schedule_id)
    if deployment is None or schedule is None:
        return _not_found(request, deployment_id, schedule_id)
    return _form_page(request, deployment, ScheduleForm.of(schedule), schedule_id)


@router.post("/deployments/{deployment_id}/schedules/{schedule_id}/edit")
async def edit(
    request: Request,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID,
    form: csrf.CheckedForm,
    database: DatabaseDep,
) -> Response:
    """Replace the schedule with the typed one, its future runs remade; back to the
    deployment's page, or this form again with the reason."""
    fields = ScheduleForm.typed(form)

    def change(connection: Connection, schedule: DeploymentSchedule, now: datetime) -> Any:
        return replace_schedule(connection, deployment_id, schedule_id, schedule, now)

    return await _change(request, database, deployment_id, schedule_id, fields, change)


def replace_schedule(
    connection: Connection,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID,
    schedule: DeploymentSchedule,
    now: datetime,
) -> Deployment:
    """Apply the deployment with one schedule replaced by `schedule` (keeping that one's
    id, whether it is active and its parameters); ObjectNotFound or InvalidRequest as
    the core says."""
    from cauce.orchestration.deployment_checks import checked_schedule
    from cauce.orchestration.deployments import apply_deployment, read_deployment
    from cauce.orchestration.errors import InvalidRequest, ObjectNotFound

    deployment = read_deployment(connection, deployment_id)
    old = next((s for s in deployment.schedules if s.id == schedule_id), None)
    if old is None:
        raise ObjectNotFound(f"deployment {deployment_id} has no schedule {schedule_id}")
    kept = replace(schedule, id=old.id, is_active=old.is_active, parameters=old.parameters)
    edited = checked_schedule(kept, now)
    if any(s.id != old.id and _same(s, edited) for s in deployment.schedules):
        # Two equal schedules would make the same runs twice.
        raise InvalidRequest("the deployment already has this schedule")
    schedules = [edited if s.id == old.id else s for s in deployment.schedules]
    return apply_deployment(connection, replace(deployment, schedules=schedules), now)


def _same(one: DeploymentSchedule, other: DeploymentSchedule) -> bool:
    def key(s: DeploymentSchedule) -> tuple[object, ...]:
        return (s.cron, s.interval_seconds, s.rrule, s.timezone, s.anchor)

    return key(one) == key(other)


async def _change(
    request: Request,
    database: ServerDatabase,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID | None,
    fields: ScheduleForm,
    change: Any,
) -> Response:
    """Run `change(connection, schedule, now)` in a transaction with the schedule typed;
    the deployment's page after, or the form with the one-line reason it was refused."""
    from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
    from cauce.orchestration.schedules import ScheduleError

    try:
        schedule, now = fields.schedule(), now_utc()
        await database.transaction(lambda connection: change(connection, schedule, now))
    except ObjectNotFound:
        return _not_found(request, deployment_id, schedule_id)
    except (ScheduleFormError, ScheduleError, InvalidRequest) as exc:
        deployment, _ = await _read(database, deployment_id, None)
        if deployment is None:
            return _not_found(request, deployment_id, schedule_id)
        return _form_page(request, deployment, fields, schedule_id, str(exc))
    return see_other(f"/deployments/{deployment_id}")


@router.get(
    "/deployments/{deployment_id}/schedules/{schedule_id}/delete", response_class=HTMLResponse
)
async def delete_page(
    request: Request, deployment_id: uuid.UUID, schedule_id: uuid.UUID, database: DatabaseDep
) -> Any:
    """Asks before deleting a schedule: a form that POSTs the deletion."""
    from cauce.orchestration.schedules import as_schedule, describe

    deployment, schedule = await _read(database, deployment_id, schedule_id)
    if deployment is None or schedule is None:
        return _not_found(request, deployment_id, schedule_id)
    return with_token(
        request,
        "deployment_schedule_confirm.html",
        deployment=deployment,
        schedule=schedule,
        text=describe(as_schedule(schedule)),
    )


@router.post("/deployments/{deployment_id}/schedules/{schedule_id}/delete")
async def delete(
    request: Request,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID,
    form: csrf.CheckedForm,
    database: DatabaseDep,
) -> Response:
    """Delete the schedule with the future runs only it would make; back to the page."""
    from cauce.orchestration.deployments import delete_schedule
    from cauce.orchestration.errors import ObjectNotFound

    now = now_utc()
    try:
        await database.transaction(
            lambda connection: delete_schedule(connection, deployment_id, schedule_id, now)
        )
    except ObjectNotFound:
        return _not_found(request, deployment_id, schedule_id)
    return see_other(f"/deployments/{deployment_id}")


# After /edit and /delete: a path parameter would take them too.
@router.post("/deployments/{deployment_id}/schedules/{schedule_id}/{action}")
async def set_active(
    request: Request,
    deployment_id: uuid.UUID,
    schedule_id: uuid.UUID,
    action: str,
    form: csrf.CheckedForm,
    database: DatabaseDep,
) -> Response:
    """Pause or resume one schedule, its future runs remade; back to the page."""
    from cauce.orchestration.deployments import set_schedule_active
    from cauce.orchestration.errors import ObjectNotFound

    if action not in _ACTIVE:
        return not_found(request, f"The page {request.url.path}")
    is_active, now = _ACTIVE[action], now_utc()
    try:
        await database.transaction(
            lambda connection: set_schedule_active(
                connection, deployment_id, schedule_id, is_active, now
            )
        )
    except ObjectNotFound:
        return _not_found(request, deployment_id, schedule_id)
    return see_other(f"/deployments/{deployment_id}")
