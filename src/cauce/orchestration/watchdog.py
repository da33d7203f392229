"""The watchdog (the guide's §8 script, built in): cancel runs stuck Late or Running.

A run still waiting `late_after` past its scheduled time, or Running for longer
than its deployment's `watchdog_running_after` (else `running_after`), is moved
to Cancelled with a message naming the rule and how far past it the run is. The
worker running such a run sees it ended and stops its process.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from cauce.database.queries import watchdog as queries
from cauce.database.recording.executors import executor_for
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.schemas.workers import WatchdogAction
from cauce.states import Cancelled


def describe_seconds(seconds: float) -> str:
    """A duration as people read it: "4h 10m", "2m 5s", "40s"."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if not hours:
        parts.append(f"{secs}s" if secs or not minutes else "")
    return " ".join(p for p in parts if p) or "0s"


def _action(flow_run: FlowRun, rule: str, age: float, limit: float) -> WatchdogAction:
    what = "Late" if rule == "late" else "Running"
    message = (
        f"Cancelled by the watchdog: {what} for {describe_seconds(age)}, "
        f"past its limit of {describe_seconds(limit)} "
        f"(CAUCE_WATCHDOG_{rule.upper()}_AFTER{' or the deployment' if rule == 'running' else ''})."
    )
    return WatchdogAction(
        flow_run_id=flow_run.id,
        flow_run_name=flow_run.name,
        flow_name=flow_run.flow_name,
        state_name=flow_run.state.name,
        rule=rule,
        overdue_seconds=age - limit,
        message=message,
    )


def stuck_runs(
    connection: Connection, now: datetime, late_after: float, running_after: float
) -> list[tuple[FlowRun, WatchdogAction]]:
    """The runs past a limit, each with what the watchdog does to it."""
    found = []
    for flow_run in queries.select_late_runs(connection, now - timedelta(seconds=late_after)):
        assert flow_run.state.scheduled_time is not None
        age = (now - flow_run.state.scheduled_time).total_seconds()
        found.append((flow_run, _action(flow_run, "late", age, late_after)))
    for flow_run, own_limit in queries.select_running_runs(connection):
        limit = running_after if own_limit is None else float(own_limit)
        age = (now - flow_run.state.timestamp).total_seconds()
        if age > limit:
            found.append((flow_run, _action(flow_run, "running", age, limit)))
    return found


def run_watchdog(
    connection: Connection,
    now: datetime,
    late_after: float,
    running_after: float,
    dry_run: bool = False,
) -> list[WatchdogAction]:
    """One pass: cancel every stuck run (none with `dry_run`); what was (or would be) done."""
    actions = []
    executor = executor_for(connection)
    for flow_run, action in stuck_runs(connection, now, late_after, running_after):
        if not dry_run:
            result = set_flow_run_state(
                executor,
                flow_run.id,
                Cancelled(action.message),
                expected_state_id=flow_run.state.id,
            )
            if result.status is not SetStateStatus.ACCEPT:
                continue
        actions.append(action)
    return actions
