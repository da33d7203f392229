"""Schedules given in code, as Prefect's `prefect.schedules`: `Cron`, `Interval`, `RRule`.

    flow.serve("nightly", schedule=Cron("0 2 * * *", timezone="Europe/Madrid"))
    flow.to_deployment("often", schedules=[Interval(300), Cron("0 9 * * 1-5")])

Each becomes one of the deployment's schedules, as `cron=`, `interval=` and `rrule=` do
(cauce.deployments.from_code reads them; this module is plain values);
Prefect's `CronSchedule`, `IntervalSchedule` and `RRuleSchedule` (cauce.client.schemas.
schedules) are taken the same way. A schedule without a timezone takes the deployment's
`timezone=`, else CAUCE_DEFAULT_TIMEZONE, else the machine's zone, as `cron=` does.
`active=False` makes a paused schedule. `parameters` are the schedule's own: the runs
it makes take them over the deployment's `parameters=` (checked against the flow's
signature when the deployment is applied). `day_or=False` has no place in cauce's
schedules: a deployment given it is refused, naming it (cron days match as
`day_or=True`). `slug` is accepted and unused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Cron", "Interval", "RRule", "Schedule"]


@dataclass(frozen=True)
class Schedule:
    """When a deployment runs: exactly one of `interval`, `cron` and `rrule`."""

    interval: timedelta | None = None
    cron: str | None = None
    rrule: str | None = None
    timezone: str | None = None
    anchor_date: datetime | None = None
    day_or: bool = True
    active: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None

    def __post_init__(self) -> None:
        if sum(kind is not None for kind in (self.interval, self.cron, self.rrule)) != 1:
            raise ValueError("A schedule needs exactly one of interval, cron and rrule.")


def Cron(
    cron: str,
    /,
    timezone: str | None = None,
    day_or: bool = True,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """A schedule from a cron expression (`"0 9 * * 1-5"`)."""
    return Schedule(
        cron=cron,
        timezone=timezone,
        day_or=day_or,
        active=active,
        parameters=parameters or {},
        slug=slug,
    )


def Interval(
    interval: timedelta | float,
    /,
    anchor_date: datetime | None = None,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """A schedule every `interval` (a timedelta or seconds), in step with `anchor_date`."""
    every = interval if isinstance(interval, timedelta) else timedelta(seconds=interval)
    return Schedule(
        interval=every,
        anchor_date=anchor_date,
        timezone=timezone,
        active=active,
        parameters=parameters or {},
        slug=slug,
    )


def RRule(
    rrule: str,
    /,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """A schedule from an RFC 5545 recurrence rule (`"FREQ=WEEKLY;BYDAY=MO"`)."""
    return Schedule(
        rrule=rrule, timezone=timezone, active=active, parameters=parameters or {}, slug=slug
    )
