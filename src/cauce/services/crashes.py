"""The crash service: runs whose worker or process went silent, or whose process on
this machine is gone, end Crashed (Cancelled if they were being cancelled); runs paused
or suspended past their pause's timeout end Failed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from cauce.orchestration.crashes import crash_runs_of_gone_processes, crash_silent_runs
from cauce.orchestration.pausing import fail_expired_pauses
from cauce.schemas.workers import SILENT_HEARTBEATS


def crashes_pass(heartbeat_seconds: float) -> Callable[[Connection, datetime], str | None]:
    """The pass at `now`, for workers and run processes that beat every `heartbeat_seconds`.

    Silence is judged only once this service has listened for SILENT_HEARTBEATS periods:
    while the server was down no worker could reach it, and its runs are not Crashed for
    the server's own absence.
    """
    listening_since: list[datetime] = []

    def run(connection: Connection, now: datetime) -> str | None:
        if not listening_since:
            listening_since.append(now)
        listened = (now - listening_since[0]).total_seconds()
        silent = []
        if listened >= SILENT_HEARTBEATS * heartbeat_seconds:
            silent = crash_silent_runs(connection, now, heartbeat_seconds)
        gone = crash_runs_of_gone_processes(connection, now, heartbeat_seconds)
        crashed = len(silent) + len(gone)
        expired = len(fail_expired_pauses(connection, now))
        said = [f"ended {crashed} run(s) whose worker or process is gone"] if crashed else []
        said += [f"failed {expired} run(s) paused past their timeout"] if expired else []
        return "; ".join(said) or None

    return run
