"""Prefect's schedule objects, `prefect.client.schemas.schedules`, for deployments made in
code: `flow.serve(name, schedules=[CronSchedule(cron="0 9 * * *")])`.

They are taken as `cauce.schedules`' Cron, Interval and RRule are (see there for what
cauce keeps of a schedule). Their fields are keyword-only, as in Prefect's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["CronSchedule", "IntervalSchedule", "RRuleSchedule"]


@dataclass(frozen=True, kw_only=True)
class CronSchedule:
    """Runs at the times a cron expression matches, in `timezone`."""

    cron: str
    timezone: str | None = None
    day_or: bool = True


@dataclass(frozen=True, kw_only=True)
class IntervalSchedule:
    """Runs every `interval` (a timedelta or seconds), in step with `anchor_date`."""

    interval: timedelta | float
    anchor_date: datetime | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.interval, timedelta):
            object.__setattr__(self, "interval", timedelta(seconds=self.interval))


@dataclass(frozen=True, kw_only=True)
class RRuleSchedule:
    """Runs at the occurrences of an RFC 5545 recurrence rule, in `timezone`."""

    rrule: str
    timezone: str | None = None
