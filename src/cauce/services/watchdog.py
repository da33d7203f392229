"""The watchdog service: every CAUCE_WATCHDOG_INTERVAL, cancel runs stuck Late or Running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from cauce.orchestration.watchdog import run_watchdog


def watchdog_pass(
    late_after_seconds: float, running_after_seconds: float
) -> Callable[[Connection, datetime], str | None]:
    """The pass at `now`, with the limits of the server's settings."""

    def run(connection: Connection, now: datetime) -> str | None:
        actions = run_watchdog(connection, now, late_after_seconds, running_after_seconds)
        return "; ".join(f"{a.flow_run_name}: {a.message}" for a in actions) or None

    return run
