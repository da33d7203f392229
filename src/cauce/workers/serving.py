"""`flow.serve()` and `serve(...)`: register deployments and run their runs from this
process until Ctrl-C.

Serving is a worker (workers/worker.py) limited to the deployments served: it claims
their due runs through the core's one claim (soonest first, each once, paused
pools and deployments and concurrency limits honoured, however many `serve`
processes and workers poll), runs each in a subprocess, heartbeats so that a `serve`
killed with `kill -9` leaves no run Pending or Running, and on Ctrl-C cancels the
runs it is running. The deployments' runs come from their schedules: made when they
are applied, and applied again every hour (which keeps an interval's phase) so that a
process serving for days keeps a day of runs ahead even with no server to schedule
them. Its runs wait in the `serve` work pool.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cauce.client.base import CauceClient, ClientError, NotFound
from cauce.processes import this_host
from cauce.schemas.deployments import WorkPool
from cauce.workers.worker import Worker, WorkerOptions

if TYPE_CHECKING:
    from cauce.deployments.from_code import DeploymentSpec

SERVE_POOL = "serve"
REAPPLY_SECONDS = 3600.0


def _ensure_pool(client: CauceClient) -> None:
    try:
        client.read_work_pool(SERVE_POOL)
    except NotFound:
        pool = WorkPool(name=SERVE_POOL, description="Deployments run by flow.serve()")
        client.create_work_pool(pool)


class _ServingWorker(Worker):
    """A worker of the deployments served, which re-applies them every REAPPLY_SECONDS."""

    def __init__(self, specs: list[DeploymentSpec], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = specs
        self.applied = time.monotonic()

    def _tick(self) -> int:
        from cauce.deployments.from_code import deploy

        if time.monotonic() - self.applied > REAPPLY_SECONDS:
            deploy(*self.specs)
            self.applied = time.monotonic()
        return super()._tick()


def serve_deployments(
    *deployments: DeploymentSpec,
    limit: int | None = None,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
) -> None:
    """`cauce.serve(...)`: apply `deployments` and run their due runs, each in a
    subprocess, at most `limit` at once, until Ctrl-C; then, unless not
    `pause_on_shutdown`, pause those with schedules (see `_pause_schedules`)."""
    from cauce.client.factory import get_batch_writer, get_client
    from cauce.deployments.from_code import deploy
    from cauce.settings import get_settings

    if not deployments:
        raise ValueError("serve() needs a deployment: serve(my_flow.to_deployment('name'))")
    client = get_client()
    _ensure_pool(client)
    specs = [replace(spec, work_pool_name=SERVE_POOL) for spec in deployments]
    names = [f"{spec.flow.name}/{spec.name}" for spec in specs]
    served = names[0] if len(names) == 1 else f"{len(names)} deployments"
    ids = deploy(*specs)
    if print_starting_message:
        _say_serving(specs, names)
    worker_options = WorkerOptions(
        pool_name=SERVE_POOL,
        # One worker per process: two `serve` of one deployment are told apart.
        name=f"{served}@{this_host()}:{os.getpid()}",
        limit=limit,
        heartbeat_seconds=get_settings().worker.heartbeat.total_seconds(),
        stop_grace_seconds=10.0,
        deployment_ids=tuple(ids),
        cancel_on_stop=True,
    )
    worker = _ServingWorker(specs, client, get_batch_writer(), worker_options, _say)
    try:
        worker.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C before the worker took the signal over: nothing was claimed yet
    if pause_on_shutdown:
        _pause_schedules(client, [i for i, spec in zip(ids, specs, strict=True) if spec.schedules])
    print(f"Stopped serving {served}.")


def _pause_schedules(client: CauceClient, deployment_ids: list[uuid.UUID]) -> None:
    """Pause scheduled deployments no longer served, as Prefect's `pause_on_shutdown`
    does: their future runs go instead of piling up Late with nobody to run them. The
    next `serve` of them applies them unpaused."""
    for deployment_id in deployment_ids:
        try:
            client.set_deployment_paused(deployment_id, True)
        except ClientError as exc:
            print(f"Could not pause deployment {deployment_id}: {exc}")


def _say_serving(specs: list[DeploymentSpec], names: list[str]) -> None:
    if len(specs) == 1:
        print(f"Your flow {specs[0].flow.name!r} is being served and polling for scheduled runs.")
        print(f"To run it now: cauce deployment run {names[0]}", flush=True)
        return
    print("Your deployments are being served and polling for scheduled runs:")
    for name in names:
        print(f"  {name}")
    print("To run one now: cauce deployment run <flow name>/<deployment name>", flush=True)


def _say(line: str) -> None:
    print(line, flush=True)
