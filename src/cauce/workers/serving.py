"""`flow.serve()`: register a deployment and run its runs from this process until Ctrl-C.

Serving is a worker (workers/worker.py) limited to one deployment: it claims the
deployment's due runs through the core's one claim (soonest first, each once, paused
pools and deployments and concurrency limits honoured, however many `serve`
processes and workers poll), runs each in a subprocess, heartbeats so that a `serve`
killed with `kill -9` leaves no run Pending or Running, and on Ctrl-C cancels the
runs it is running. The deployment's runs come from its schedules: made when it is
applied, and applied again every hour (which keeps an interval's phase) so that a
process serving for days keeps a day of runs ahead even with no server to schedule
them. Its runs wait in the `serve` work pool.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from cauce.client.base import CauceClient, NotFound
from cauce.processes import this_host
from cauce.schemas.deployments import WorkPool
from cauce.workers.worker import Worker, WorkerOptions

if TYPE_CHECKING:
    from cauce.deployments.from_code import DeploymentSpec
    from cauce.flows import Flow

SERVE_POOL = "serve"
REAPPLY_SECONDS = 3600.0


def _ensure_pool(client: CauceClient) -> None:
    try:
        client.read_work_pool(SERVE_POOL)
    except NotFound:
        pool = WorkPool(name=SERVE_POOL, description="Deployments run by flow.serve()")
        client.create_work_pool(pool)


class _ServingWorker(Worker):
    """A worker of one deployment that re-applies it every REAPPLY_SECONDS."""

    def __init__(self, spec: DeploymentSpec, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.applied = time.monotonic()

    def _tick(self) -> int:
        from cauce.deployments.from_code import deploy

        if time.monotonic() - self.applied > REAPPLY_SECONDS:
            deploy(self.spec)
            self.applied = time.monotonic()
        return super()._tick()


def serve(
    flow: Flow[..., Any],
    name: str,
    *,
    limit: int | None = None,
    poll_seconds: float = 1.0,
    **options: Any,
) -> None:
    """Apply `flow`'s deployment `name` (options as `deploy()`'s) and run its due runs,
    each in a subprocess, until Ctrl-C. `poll_seconds` is accepted for compatibility:
    the worker's own poll is shorter."""
    from cauce.client.factory import get_batch_writer, get_client
    from cauce.deployments.from_code import deploy
    from cauce.settings import get_settings

    client = get_client()
    _ensure_pool(client)
    spec = flow.to_deployment(name, work_pool_name=SERVE_POOL, **options)
    [deployment_id] = deploy(spec)
    full_name = f"{flow.name}/{name}"
    print(f"Your flow {flow.name!r} is being served and polling for scheduled runs.")
    print(f"To run it now: cauce deployment run {full_name}", flush=True)
    worker_options = WorkerOptions(
        pool_name=SERVE_POOL,
        # One worker per process: two `serve` of one deployment are told apart.
        name=f"{full_name}@{this_host()}:{os.getpid()}",
        limit=limit,
        heartbeat_seconds=get_settings().worker.heartbeat.total_seconds(),
        stop_grace_seconds=10.0,
        deployment_id=deployment_id,
        cancel_on_stop=True,
    )
    worker = _ServingWorker(spec, client, get_batch_writer(), worker_options, _say)
    try:
        worker.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C before the worker took the signal over: nothing was claimed yet
    print(f"Stopped serving {full_name}.")


def _say(line: str) -> None:
    print(line, flush=True)
