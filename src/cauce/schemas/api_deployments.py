"""What crosses HTTP for work pools, deployments and their schedules: one copy for both.

The same kind of wire models as schemas/api.py (which they extend; that module holds
runs, states and logs): each with `from_domain` and `to_domain` for the dataclasses
of schemas/deployments.py, unknown fields refused, JSON types not converted, strings
and numbers bounded by their columns in database/tables.py. Whether a schedule,
a parameter or a pool is acceptable is the core's decision (orchestration/), not
these models': they only refuse what could not be stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictBool

from cauce.ids import new_id
from cauce.schemas.api import INT32_MAX, UtcDatetime, _in_utc, _iso_time, _WireModel
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool

# Column widths in database/tables.py: longer values are a 422, not a database error.
_NAME = 255
_ENTRYPOINT = 1024
_SOURCE = 2048
_POOL_TYPE = 32
_TIMEZONE = 64


def _json_number(value: Any) -> Any:
    # Pydantic would read "5" as 5 and True as 1.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON number")
    return value


# The bounds come before the validator: after it, pydantic could not put them in the
# JSON Schema of an optional field (it would write `ge` for `minimum`).
ConcurrencyLimit = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_json_number)]
"""How many runs may be running at once (a 32-bit column); a JSON number on the wire."""


def _in_utc_when_aware(value: datetime) -> datetime:
    return value if value.utcoffset() is None else _in_utc(value)


# Naive stays naive: the core reads it in the schedule's zone, which it checks first.
AnchorTime = Annotated[datetime, BeforeValidator(_iso_time), AfterValidator(_in_utc_when_aware)]
"""An ISO 8601 time, in UTC when it has an offset, else wall-clock time as written."""

IntervalSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(_json_number)]
"""A schedule's interval: a positive, finite JSON number."""

PositiveSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(_json_number)]
"""A length of time in seconds: a positive, finite JSON number."""


class WorkPoolCreate(_WireModel):
    """A new work pool; the server chooses its id."""

    name: str = Field(min_length=1, max_length=_NAME)
    type: str = Field(
        "process",
        min_length=1,
        max_length=_POOL_TYPE,
        description="Which workers take its runs; the server says which types it supports.",
    )
    description: str | None = None
    is_paused: StrictBool = False
    concurrency_limit: ConcurrencyLimit | None = None

    @classmethod
    def from_domain(cls, pool: WorkPool) -> WorkPoolCreate:
        """The request creating `pool` (its id and times are the server's)."""
        return cls.model_validate(pool)

    def to_domain(self) -> WorkPool:
        """The pool to record, with a new id."""
        return self._to(WorkPool)


class WorkPoolModel(_WireModel):
    """A work pool as recorded."""

    id: uuid.UUID
    name: str
    type: str
    description: str | None
    is_paused: bool
    concurrency_limit: int | None
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, pool: WorkPool) -> WorkPoolModel:
        """The wire form of `pool`."""
        return cls.model_validate(pool)

    def to_domain(self) -> WorkPool:
        """The pool, with times in UTC."""
        return self._to(WorkPool)


class WorkPoolUpdate(_WireModel):
    """What to change in a pool; a field left out (or null) stays as it is."""

    is_paused: StrictBool | None = None
    concurrency_limit: ConcurrencyLimit | None = None
    clear_concurrency_limit: StrictBool = Field(
        False, description="Remove the pool's limit (wins over `concurrency_limit`)."
    )
    description: str | None = None


class ScheduleCreate(_WireModel):
    """A new schedule: exactly one of `cron`, `interval_seconds` and `rrule` (the core
    checks which, and whether it parses), in the IANA zone `timezone`."""

    id: uuid.UUID = Field(default_factory=new_id, description="Chosen by the client if it likes.")
    timezone: str = Field(min_length=1, max_length=_TIMEZONE)
    cron: str | None = Field(None, max_length=_NAME)
    interval_seconds: IntervalSeconds | None = None
    anchor: AnchorTime | None = Field(
        None,
        description="Where an interval's runs are counted from: with a UTC offset, or without"
        " one as wall-clock time in `timezone`; the schedule's creation by default.",
    )
    rrule: str | None = None
    is_active: StrictBool = True
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Its runs' parameters, over the deployment's."
    )

    @classmethod
    def from_domain(cls, schedule: DeploymentSchedule) -> ScheduleCreate:
        """The request adding `schedule` (its creation time is the server's)."""
        return cls.model_validate(schedule)

    def to_domain(self) -> DeploymentSchedule:
        """The schedule to record, created now."""
        return self._to(DeploymentSchedule)


class ScheduleModel(_WireModel):
    """A schedule of a deployment as recorded."""

    id: uuid.UUID
    timezone: str
    cron: str | None
    interval_seconds: float | None
    anchor: UtcDatetime | None
    rrule: str | None
    is_active: bool
    parameters: dict[str, Any] = Field(default_factory=dict)
    created: UtcDatetime

    @classmethod
    def from_domain(cls, schedule: DeploymentSchedule) -> ScheduleModel:
        """The wire form of `schedule`."""
        return cls.model_validate(schedule)

    def to_domain(self) -> DeploymentSchedule:
        """The schedule, with times in UTC."""
        return self._to(DeploymentSchedule)


class DeploymentApply(_WireModel):
    """A deployment to create, or to replace the one of the same flow and name (its
    schedules too); the server keeps an existing one's id and chooses a new one's."""

    flow_name: str = Field(min_length=1, max_length=_NAME)
    name: str = Field(min_length=1, max_length=_NAME)
    entrypoint: str = Field(min_length=1, max_length=_ENTRYPOINT)
    work_pool_name: str = Field(min_length=1, max_length=_NAME)
    source: str = Field(".", min_length=1, max_length=_SOURCE)
    branch: str | None = Field(None, max_length=_NAME)
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_schema: dict[str, Any] = Field(
        default_factory=dict, description="The flow's parameters as JSON Schema; {} takes any."
    )
    schedules: list[ScheduleCreate] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    description: str | None = None
    version: str | None = Field(None, max_length=_NAME)
    is_paused: StrictBool = False
    concurrency_limit: ConcurrencyLimit | None = None
    watchdog_running_after_seconds: PositiveSeconds | None = Field(
        None,
        description="How long its runs may stay Running before the watchdog cancels them;"
        " null: the watchdog's own limit (CAUCE_WATCHDOG_RUNNING_AFTER).",
    )

    @classmethod
    def from_domain(cls, deployment: Deployment) -> DeploymentApply:
        """The request applying `deployment` (its id and times are the server's)."""
        return cls.model_validate(deployment)

    def to_domain(self) -> Deployment:
        """The deployment to apply, with a new id (kept only if it is new)."""
        return self._to(Deployment, schedules=[s.to_domain() for s in self.schedules])


class DeploymentModel(_WireModel):
    """A deployment as recorded, with its schedules."""

    id: uuid.UUID
    flow_name: str
    name: str
    entrypoint: str
    work_pool_name: str
    source: str
    branch: str | None
    parameters: dict[str, Any]
    parameter_schema: dict[str, Any]
    schedules: list[ScheduleModel]
    tags: list[str]
    description: str | None
    version: str | None
    is_paused: bool
    concurrency_limit: int | None
    watchdog_running_after_seconds: float | None
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, deployment: Deployment) -> DeploymentModel:
        """The wire form of `deployment`."""
        return cls.model_validate(deployment)

    def to_domain(self) -> Deployment:
        """The deployment, with times in UTC."""
        return self._to(Deployment, schedules=[s.to_domain() for s in self.schedules])


class DeploymentDeleted(_WireModel):
    """What deleting a deployment removed besides it."""

    scheduled_runs_deleted: int = Field(
        description="Its runs still Scheduled for a later time, deleted with it; its other"
        " runs stay, no longer linked to it."
    )


class DeploymentPause(_WireModel):
    """Pause a deployment (true: its future scheduled runs go) or resume it (false)."""

    is_paused: StrictBool


class ScheduleActive(_WireModel):
    """Resume a schedule (true) or pause it (false: its future runs go)."""

    is_active: StrictBool


class DeploymentRunRequest(_WireModel):
    """A run of a deployment asked for by hand."""

    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Override the deployment's default parameters."
    )
    scheduled_time: UtcDatetime | None = Field(None, description="When to run it; now if null.")
    tags: list[str] = Field(default_factory=list, description="Added to the deployment's own tags.")
    id: uuid.UUID | None = Field(
        None,
        description="The new run's id, chosen by the client: the same request sent again "
        "(its answer lost) returns that run instead of making a second one.",
    )


class FieldErrorModel(BaseModel):
    """One field a request failed validation on (FastAPI's form)."""

    loc: list[str | int]
    msg: str
    type: str


class RefusalModel(BaseModel):
    """Why a request was refused with 422: the core's reason in words (a bad schedule,
    parameter or pool), or the fields that failed validation."""

    detail: str | list[FieldErrorModel]
