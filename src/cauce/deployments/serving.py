"""`flow.serve()`: register a deployment and run its runs from this process until Ctrl-C.

Every `poll_seconds` it looks for the deployment's runs that are due (Scheduled or
Late, their time come), claims each one (Scheduled -> Pending, a compare-and-set on
the run's state: two servers of one deployment never run a run twice), and runs it
in a subprocess (`python -m cauce.workers.execute RUN_ID`), at most `limit` at once.
A subprocess that exits without a final state leaves its run Crashed, with its exit
code. The deployment's runs come from its schedules: made when it is applied, and
applied again every hour so that a process serving for days keeps a day of runs
ahead even with no server to schedule them. Its runs wait in the `serve` work pool.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cauce.client.base import CauceClient, NotFound
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.states import SetStateStatus
from cauce.states import Crashed, Pending, now_utc

if TYPE_CHECKING:
    from cauce.flows import Flow

SERVE_POOL = "serve"
REAPPLY_SECONDS = 3600.0


@dataclass
class _Child:
    flow_run: FlowRun
    process: subprocess.Popen[bytes]


def _ensure_pool(client: CauceClient) -> None:
    try:
        client.read_work_pool(SERVE_POOL)
    except NotFound:
        pool = WorkPool(name=SERVE_POOL, description="Deployments run by flow.serve()")
        client.create_work_pool(pool)


def claim_due_runs(client: CauceClient, deployment_id: uuid.UUID, most: int) -> list[FlowRun]:
    """Claim up to `most` of the deployment's due runs, oldest first; those claimed."""
    if most <= 0:
        return []
    now = now_utc()
    waiting = client.read_flow_runs(
        FlowRunFilter(deployment_id=deployment_id, state_types=["SCHEDULED"], limit=200)
    )
    due = sorted(
        (r for r in waiting if (r.state.scheduled_time or now) <= now),
        key=lambda r: r.state.scheduled_time or now,
    )
    claimed: list[FlowRun] = []
    for flow_run in due:
        if len(claimed) >= most:
            break
        result = client.set_flow_run_state(
            flow_run.id, Pending(), expected_state_id=flow_run.state.id
        )
        if result.status is SetStateStatus.ACCEPT and result.state is not None:
            flow_run.state = result.state
            claimed.append(flow_run)
    return claimed


def _start(flow_run: FlowRun) -> _Child:
    command = [sys.executable, "-m", "cauce.workers.execute", str(flow_run.id)]
    return _Child(flow_run, subprocess.Popen(command))


def _reap(client: CauceClient, children: list[_Child]) -> list[_Child]:
    """The children still running; those that ended without a final state are Crashed."""
    running: list[_Child] = []
    for child in children:
        code = child.process.poll()
        if code is None:
            running.append(child)
            continue
        current = client.read_flow_run(child.flow_run.id)
        if not current.state.is_final():
            crashed = Crashed(f"Flow run process exited with code {code} before the run ended.")
            client.set_flow_run_state(current.id, crashed, expected_state_id=current.state.id)
    return running


def serve(
    flow: Flow[..., Any],
    name: str,
    *,
    limit: int | None = None,
    poll_seconds: float = 1.0,
    **options: Any,
) -> None:
    """Apply `flow`'s deployment `name` (options as `deploy()`'s) and run its due runs,
    each in a subprocess, until Ctrl-C."""
    from cauce.client.factory import get_client
    from cauce.deployments.from_code import deploy

    client = get_client()
    _ensure_pool(client)
    spec = flow.to_deployment(name, work_pool_name=SERVE_POOL, **options)
    [deployment_id] = deploy(spec)
    full_name = f"{flow.name}/{name}"
    print(f"Your flow {flow.name!r} is being served and polling for scheduled runs.")
    print(f"To run it now: cauce deployment run {full_name}", flush=True)
    most = limit or 1_000_000
    children: list[_Child] = []
    applied = time.monotonic()
    try:
        while True:
            children = _reap(client, children)
            for flow_run in claim_due_runs(client, deployment_id, most - len(children)):
                children.append(_start(flow_run))
            if time.monotonic() - applied > REAPPLY_SECONDS:
                deploy(spec)
                applied = time.monotonic()
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        # The children got the same Ctrl-C (one process group): they end Cancelled.
        for child in children:
            try:
                child.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.process.kill()
        _reap(client, children)
        print(f"Stopped serving {full_name}.")
