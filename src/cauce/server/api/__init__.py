"""Routers of /api, one module per entity; `ROUTERS` is the list app.py mounts."""

from __future__ import annotations

from fastapi import APIRouter

from cauce.server.api import (
    artifacts,
    batches,
    blocks,
    concurrency_limits,
    deployments,
    events,
    flow_runs,
    flows,
    logs,
    task_runs,
    variables,
    work_pools,
    workers,
)

ROUTERS: tuple[APIRouter, ...] = (
    flows.router,
    flow_runs.router,
    task_runs.router,
    logs.router,
    batches.router,
    work_pools.router,
    deployments.router,
    workers.router,
    variables.router,
    artifacts.router,
    concurrency_limits.router,
    blocks.router,
    events.router,
)
