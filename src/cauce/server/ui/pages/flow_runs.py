"""The flow run pages: the list at / and /flow-runs, and one run at /flow-runs/{id}.

Each page has a fragment that htmx polls to refresh it in place: the list's rows
every few seconds while the page is open, and a run's states, task runs and logs
until the run is final (the fragment of a final run carries no polling trigger,
so the browser stops asking). They read through the same queries as the API.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cauce.schemas.flow_runs import FlowRunFilter
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui.rendering import render
from cauce.states import StateType

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 50
LIST_REFRESH_SECONDS = 3
RUN_REFRESH_SECONDS = 2
HTMX_STOP_POLLING = 286
# TODO(#10): page the logs (and append only new lines while polling) past this many.
LOG_LIMIT = 1000

StateQuery = Annotated[str, Query(description="A state type to show only, or empty for all.")]


def _zone(request: Request) -> str:
    zone: str = request.app.state.settings.default_timezone
    return zone


def _state_type(raw: str) -> StateType | None:
    """The state type a filter asks for; None (all runs) for an empty or unknown value."""
    try:
        return StateType(raw.upper())
    except ValueError:
        return None


async def _list_context(database: ServerDatabase, state: str) -> dict[str, Any]:
    from cauce.database.queries.flow_runs import select_flow_runs

    state_type = _state_type(state)
    where = FlowRunFilter(
        state_types=None if state_type is None else [state_type.value], limit=LIST_LIMIT
    )
    runs = await database.read(lambda connection: select_flow_runs(connection, where))
    return {
        "runs": runs,
        "state": "" if state_type is None else state_type.value,
        "state_types": list(StateType),
        "refresh_seconds": LIST_REFRESH_SECONDS,
        "limit": LIST_LIMIT,
    }


@router.get("/", response_class=HTMLResponse)
@router.get("/flow-runs", response_class=HTMLResponse)
async def flow_runs_page(request: Request, database: DatabaseDep, state: StateQuery = "") -> Any:
    """The newest flow runs, optionally of one state type."""
    context = await _list_context(database, state)
    return render("flow_runs.html", _zone(request), **context)


@router.get("/flow-runs/rows", response_class=HTMLResponse)
async def flow_runs_rows(request: Request, database: DatabaseDep, state: StateQuery = "") -> Any:
    """The list's rows alone, for htmx to swap in."""
    context = await _list_context(database, state)
    return render("_flow_run_rows.html", _zone(request), **context)


async def _run_context(database: ServerDatabase, flow_run_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything a run's page shows, read in one transaction; None for an unknown run."""
    from sqlalchemy import Connection

    from cauce.database.queries.flow_runs import select_flow_run, select_flow_run_states
    from cauce.database.queries.logs import select_logs
    from cauce.database.queries.task_runs import select_task_runs

    def read(connection: Connection) -> dict[str, Any] | None:
        run = select_flow_run(connection, flow_run_id)
        if run is None:
            return None
        task_runs = select_task_runs(connection, flow_run_id)
        return {
            "run": run,
            "states": select_flow_run_states(connection, flow_run_id),
            "task_runs": task_runs,
            "task_names": {task_run.id: task_run.name for task_run in task_runs},
            "logs": [entry for _, entry in select_logs(connection, flow_run_id, limit=LOG_LIMIT)],
            "log_limit": LOG_LIMIT,
            "refresh_seconds": RUN_REFRESH_SECONDS,
        }

    return await database.read(read)


@router.get("/flow-runs/{flow_run_id}", response_class=HTMLResponse)
async def flow_run_page(request: Request, flow_run_id: uuid.UUID, database: DatabaseDep) -> Any:
    """One flow run: its parameters, state history, task runs and logs."""
    context = await _run_context(database, flow_run_id)
    if context is None:
        return render("not_found.html", _zone(request), 404, what=f"Flow run {flow_run_id}")
    return render("flow_run.html", _zone(request), **context)


@router.get("/flow-runs/{flow_run_id}/live", response_class=HTMLResponse)
async def flow_run_live(request: Request, flow_run_id: uuid.UUID, database: DatabaseDep) -> Any:
    """The parts of a run's page that move (state, task runs, logs), for htmx to swap in."""
    context = await _run_context(database, flow_run_id)
    if context is None:
        # Deleted while its page was open. 286 is htmx's "stop polling" (it swaps this in).
        return render("_flow_run_gone.html", _zone(request), HTMX_STOP_POLLING)
    return render("_flow_run_live.html", _zone(request), **context)
