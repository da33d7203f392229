"""The web UI: server-rendered pages at / over the same queries the API reads through.

Each page group is a module in pages/ (a router of HTML routes, never in the
OpenAPI document); templates/ holds the Jinja2 templates, rendered with
autoescape on by `rendering.render`, so every user text (run names, parameters,
log lines) reaches the browser as text. static/ holds the CSS and a vendored
htmx, so the pages work with no internet access. Basic auth, when
CAUCE_API_AUTH_STRING is set, is auth.py's middleware, in front of every page;
every POST a page makes is checked against CSRF by csrf.py.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cauce.server.ui import csrf
from cauce.server.ui.pages import (
    blocks,
    concurrency_limits,
    dashboard,
    deployments,
    flow_runs,
    flows,
    variables,
    work_pools,
)
from cauce.server.ui.rendering import STATIC_PATH


def mount_ui(app: FastAPI) -> None:
    """Serve the UI's pages and its static files (CSS, htmx) on `app`."""
    folder = Path(__file__).parent / "static"
    app.mount(STATIC_PATH, StaticFiles(directory=folder), name="ui-static")
    app.add_exception_handler(csrf.CsrfRefused, csrf.refused)
    app.include_router(dashboard.router)
    app.include_router(flow_runs.router)
    app.include_router(deployments.router)
    app.include_router(work_pools.router)
    app.include_router(flows.router)
    app.include_router(blocks.router)
    app.include_router(variables.router)
    app.include_router(concurrency_limits.router)
