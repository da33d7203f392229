"""/api/workers, /api/flow_run_heartbeats, /api/watchdog, and a flow run's cancel, resume
and crash: what workers, run processes, people and the watchdog ask of the core.

Each route runs one function of orchestration/ in a write transaction; a pool or run
that does not exist is a 404, a refusal (cancelling an ended run) a 422.
"""

from __future__ import annotations

import time
import uuid

from fastapi import APIRouter, Request

from cauce.schemas.api import FlowRunModel
from cauce.schemas.api_workers import (
    ClaimRequest,
    ProcessHeartbeat,
    ReasonRequest,
    RetryPolicy,
    WatchdogActionModel,
    WatchdogRunRequest,
    WorkerHeartbeatModel,
    WorkerHeartbeatRequest,
    WorkerModel,
    WorkerStopped,
)
from cauce.schemas.run_input import ResumeRequest
from cauce.server.api.responses import NO_WORK_POOL, NOT_FOUND, REFUSED, UNREADABLE_BODY
from cauce.server.database import DatabaseDep
from cauce.server.wakeups import RunsMadeDep
from cauce.settings import Settings
from cauce.states import now_utc

router = APIRouter(tags=["workers"])


@router.get("/workers")
async def read_workers(database: DatabaseDep, pool_name: str | None = None) -> list[WorkerModel]:
    """Every worker (of one pool if `pool_name` is given), by pool and name."""
    from cauce.database.queries.workers import select_workers

    found = await database.read(lambda connection: select_workers(connection, pool_name))
    return [WorkerModel.model_validate(w) for w in found]


@router.post("/workers/heartbeat", responses={**NO_WORK_POOL, **UNREADABLE_BODY})
async def worker_heartbeat(
    body: WorkerHeartbeatRequest, database: DatabaseDep
) -> WorkerHeartbeatModel:
    """A worker is alive and running `flow_run_ids`; its id and the runs it must stop."""
    from cauce.orchestration.workers import record_worker_heartbeat

    beat = await database.transaction(
        lambda connection: record_worker_heartbeat(
            connection, body.pool_name, body.name, body.host, body.pid, body.flow_run_ids, now_utc()
        )
    )
    return WorkerHeartbeatModel.model_validate(beat)


@router.post("/workers/stopped", status_code=204, responses=UNREADABLE_BODY)
async def worker_stopped(body: WorkerStopped, database: DatabaseDep) -> None:
    """A worker left on its own (it is then listed as stopped, not unhealthy)."""
    from cauce.orchestration.workers import record_worker_stopped

    await database.transaction(
        lambda connection: record_worker_stopped(connection, body.worker_id, now_utc())
    )


@router.post("/workers/claim", responses={**NO_WORK_POOL, **UNREADABLE_BODY})
async def claim_flow_runs(
    body: ClaimRequest, database: DatabaseDep, runs_made: RunsMadeDep
) -> list[FlowRunModel]:
    """Claim up to `most` due runs of the pool (of those deployments, if given) for the
    worker: each run goes to one worker only, soonest first, Pending, within the pool's
    and deployments' concurrency limits. With none due, wait up to `wait_seconds` for
    this server to make one (a long poll)."""
    from cauce.orchestration.claims import claim_flow_runs as claim

    deadline = time.monotonic() + body.wait_seconds
    while True:
        claimed = await database.transaction(
            lambda connection: claim(
                connection,
                body.pool_name,
                body.worker_id,
                body.most,
                now_utc(),
                body.prefetch_seconds,
                body.only_deployments,
            )
        )
        left = deadline - time.monotonic()
        if claimed or left <= 0 or not await runs_made.wait(left):
            return [FlowRunModel.from_domain(r) for r in claimed]


@router.post("/flow_run_heartbeats", responses=UNREADABLE_BODY)
async def flow_run_heartbeat(body: ProcessHeartbeat, database: DatabaseDep) -> list[uuid.UUID]:
    """A run's own process is alive; the ids of its runs it must stop (cancelled)."""
    from cauce.orchestration.workers import record_process_heartbeat

    return await database.transaction(
        lambda connection: record_process_heartbeat(
            connection, body.flow_run_ids, body.host, body.pid, now_utc()
        )
    )


@router.post("/flow_runs/{flow_run_id}/crash", responses={**NOT_FOUND, **UNREADABLE_BODY})
async def crash_flow_run(
    flow_run_id: uuid.UUID, body: ReasonRequest, database: DatabaseDep
) -> bool:
    """End an unfinished run Crashed (Cancelled if it was being cancelled), with its
    unfinished task runs; false if it had ended already."""
    from cauce.orchestration.crashes import crash_flow_run as crash

    return await database.transaction(
        lambda connection: crash(connection, flow_run_id, body.reason)
    )


@router.put(
    "/flow_runs/{flow_run_id}/retries",
    status_code=204,
    responses={**NOT_FOUND, **UNREADABLE_BODY},
)
async def set_flow_run_retries(
    flow_run_id: uuid.UUID, body: RetryPolicy, database: DatabaseDep
) -> None:
    """Record the run's flow's retries and the delay before its next attempt (sent by its
    process): a deployment's run whose process dies with retries left is run again."""
    from cauce.orchestration.crashes import declare_retries

    await database.transaction(
        lambda connection: declare_retries(
            connection, flow_run_id, body.retries, body.retry_delay_seconds
        )
    )


@router.post(
    "/flow_runs/{flow_run_id}/cancel", responses={**NOT_FOUND, **REFUSED, **UNREADABLE_BODY}
)
async def cancel_flow_run(
    flow_run_id: uuid.UUID, body: ReasonRequest, database: DatabaseDep
) -> FlowRunModel:
    """Cancel a run: Cancelled at once if it has not started, else Cancelling until its
    worker (or its own process) stops it. 422 if it has already ended."""
    from cauce.orchestration.cancellation import cancel_flow_run as cancel

    flow_run = await database.transaction(
        lambda connection: cancel(connection, flow_run_id, body.reason)
    )
    return FlowRunModel.from_domain(flow_run)


@router.post(
    "/flow_runs/{flow_run_id}/resume", responses={**NOT_FOUND, **REFUSED, **UNREADABLE_BODY}
)
async def resume_flow_run(
    flow_run_id: uuid.UUID, database: DatabaseDep, body: ResumeRequest | None = None
) -> FlowRunModel:
    """Resume a paused run: its process, waiting in pause_flow_run, goes on, with
    `run_input` when it waits for input. 422 if it is not paused, or the input is
    missing or refused (naming the field)."""
    from cauce.orchestration.pausing import resume_flow_run as resume

    run_input = None if body is None else body.run_input
    flow_run = await database.transaction(
        lambda connection: resume(connection, flow_run_id, run_input)
    )
    return FlowRunModel.from_domain(flow_run)


@router.post("/watchdog/run", responses=UNREADABLE_BODY)
async def run_watchdog(
    body: WatchdogRunRequest, request: Request, database: DatabaseDep
) -> list[WatchdogActionModel]:
    """One watchdog pass with the server's limits; what it cancelled (with `dry_run`,
    what it would cancel, changing nothing)."""
    from cauce.orchestration.watchdog import run_watchdog as watchdog

    settings: Settings = request.app.state.settings
    late = settings.watchdog.late_after.total_seconds()
    running = settings.watchdog.running_after.total_seconds()
    actions = await database.transaction(
        lambda connection: watchdog(connection, now_utc(), late, running, body.dry_run)
    )
    return [WatchdogActionModel.model_validate(a) for a in actions]
