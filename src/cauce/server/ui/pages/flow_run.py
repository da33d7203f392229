"""One flow run's page at /flow-runs/{id}: its facts, a timeline, its logs, and its actions.

The parts that move (state, actions, timeline, task runs) are a fragment htmx
polls whole until the run is final. The logs are appended instead: the page shows a
page of lines, then an element asks /flow-runs/{id}/logs?after_id=N for the lines past
the last one shown (every 2 s while the run goes on, or on "Load more" when a page
follows), and each answer swaps in a new such element, out of band, with the new cursor.

The actions (Cancel, Retry, Delete) each ask first on a page of their own whose form
POSTs the action behind the CSRF check, then redirect (303) to the page that shows the
result. They call the same core as the API and CLI.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from cauce.schemas.api import JSON_SAFE_MAX
from cauce.schemas.flow_runs import FlowRun
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui import csrf
from cauce.server.ui.pages.common import not_found, see_other, with_token, zone
from cauce.server.ui.rendering import render, render_text
from cauce.server.wakeups import RunsMade, RunsMadeDep
from cauce.states import State, now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cauce.database.queries.ui_logs import LogPage

router = APIRouter(include_in_schema=False)

RUN_REFRESH_SECONDS = 2
HTMX_STOP_POLLING = 286
# Log lines a page (or one refresh) carries at most; "Load more" asks for the next.
LOG_PAGE = 1000
# More bars than this are no chart a reader can use; the table below lists every task run.
TIMELINE_LIMIT = 300
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CANCEL_REASON = "Cancelled from the UI."


@dataclass(slots=True)
class Bar:
    """One task run or subflow run on the timeline, placed in seconds from the run's start.

    The page scales the seconds by the run's span (a CSS variable), so while a run goes
    on only the span changes: bars still going reach the span's end (`end` is None)."""

    name: str
    state: State
    start: float | None
    """None for one not started yet."""
    end: float | None
    link: str = ""
    """The subflow run's page; empty for a task run."""


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class TimelineItem(NamedTuple):
    """A task run or subflow run as the timeline reads it."""

    name: str
    state: State
    start: datetime | None
    end: datetime | None
    link: str = ""


class Timeline(NamedTuple):
    """The bars, and the run's span in seconds that they are drawn over."""

    bars: list[Bar]
    span: float


def timeline(run: FlowRun, items: list[TimelineItem], now: datetime) -> Timeline:
    """A bar for each item over the run's span (from its start to its end, or to `now`
    while it goes on); one still going reaches the span's end."""
    starts = [_aware(item.start) for item in items if item.start is not None]
    origin = _aware(run.start_time) if run.start_time is not None else min(starts, default=now)
    ends = [_aware(item.end) for item in items if item.end is not None]
    finish = _aware(run.end_time) if run.end_time is not None else max([now, *ends])
    bars = []
    for item in items:
        if item.start is None:
            bars.append(Bar(item.name, item.state, None, None, item.link))
            continue
        start = (_aware(item.start) - origin).total_seconds()
        end: float | None = None
        if item.end is not None:
            end = (_aware(item.end) - origin).total_seconds()
        elif item.state.is_final():
            end = start  # a final one with no end recorded is a tick at its start
        bars.append(Bar(item.name, item.state, round(start, 3), _rounded(end), item.link))
    return Timeline(bars, round(max((finish - origin).total_seconds(), 1e-3), 3))


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def read_level(raw: str) -> str:
    """The level asked for (INFO, WARNING...); empty for every line, or one not known."""
    level = raw.strip().upper()
    return level if level in LEVELS else ""


def _facts(connection: Connection, run: FlowRun) -> dict[str, Any]:
    """The deployment (as flow/name), the worker's name and the parent run, where there are."""
    from sqlalchemy import select

    from cauce.database.queries.deployments import select_deployment
    from cauce.database.queries.flow_runs import select_flow_run
    from cauce.database.tables import flow_runs, workers

    deployment = (
        None if run.deployment_id is None else select_deployment(connection, run.deployment_id)
    )
    worker = None
    if run.worker_id is not None:
        worker = connection.execute(
            select(workers.c.name).where(workers.c.id == run.worker_id)
        ).scalar_one_or_none()
    parent_id = connection.execute(
        select(flow_runs.c.parent_flow_run_id).where(flow_runs.c.id == run.id)
    ).scalar_one_or_none()
    parent = None if parent_id is None else select_flow_run(connection, parent_id)
    return {"deployment": deployment, "worker_name": worker, "parent": parent}


async def _run_context(
    database: ServerDatabase, flow_run_id: uuid.UUID, level: str = "", with_logs: bool = True
) -> dict[str, Any] | None:
    """Everything a run's page shows (the live part only, without `with_logs`), read in
    one transaction; None for an unknown run."""
    from cauce.database.queries.flow_runs import (
        select_flow_run,
        select_flow_run_states,
        select_subflow_runs,
    )
    from cauce.database.queries.task_runs import select_task_runs
    from cauce.database.queries.ui_logs import select_log_page

    def read(connection: Connection) -> dict[str, Any] | None:
        run = select_flow_run(connection, flow_run_id)
        if run is None:
            return None
        task_runs = select_task_runs(connection, flow_run_id)
        subflows = select_subflow_runs(connection, flow_run_id)
        logs: dict[str, Any] = {}
        if with_logs:
            page = select_log_page(connection, flow_run_id, _min_level(level), 0, LOG_PAGE)
            logs = _logs_view(run.id, page, level, polling=not run.state.is_final())
        return {
            "run": run,
            "states": select_flow_run_states(connection, flow_run_id),
            "task_runs": task_runs,
            "subflows": subflows,
            "artifacts": _artifacts(connection, flow_run_id),
            **logs,
            **_facts(connection, run),
        }

    context = await database.read(read)
    if context is None:
        return None
    return {**context, **_view(context, level)}


def _artifacts(connection: Connection, flow_run_id: uuid.UUID) -> list[Any]:
    """The run's artifacts in the order they were made, as the page shows them (one query)."""
    from cauce.database.queries.artifacts import select_artifacts
    from cauce.schemas.artifacts import ArtifactFilter
    from cauce.server.ui.artifacts import artifact_view

    found = select_artifacts(connection, ArtifactFilter(flow_run_ids=[flow_run_id]))
    return [artifact_view(artifact) for artifact in reversed(found)]


def _min_level(level: str) -> int:
    return logging.getLevelName(level) if level else 0


def _logs_view(flow_run_id: uuid.UUID, page: LogPage, level: str, polling: bool) -> dict[str, Any]:
    """What the log templates read: the lines, and what asks for the next ones and how."""
    query = {"after_id": page.cursor, **({"level": level} if level else {})}
    return {
        "logs": page.lines,
        "sources": page.sources,
        "more": page.more,
        "polling": polling and not page.more,
        "next_url": f"/flow-runs/{flow_run_id}/logs?{urlencode(query)}",
        "refresh_seconds": RUN_REFRESH_SECONDS,
        "oob": False,
    }


def _view(context: dict[str, Any], level: str) -> dict[str, Any]:
    """What the templates derive from the rows: the bars, the level links, the polled URL."""
    run: FlowRun = context["run"]
    items = [TimelineItem(t.name, t.state, t.start_time, t.end_time) for t in context["task_runs"]]
    items += [
        TimelineItem(
            f"{s.flow_name} / {s.name}", s.state, s.start_time, s.end_time, f"/flow-runs/{s.id}"
        )
        for s in context["subflows"]
    ]
    # Started ones in the order they started, then those not started yet.
    never = datetime.max.replace(tzinfo=UTC)
    items.sort(key=lambda item: never if item.start is None else _aware(item.start))
    return {
        "timeline": timeline(run, items[:TIMELINE_LIMIT], now_utc()),
        "bar_count": len(items),
        "timeline_limit": TIMELINE_LIMIT,
        "level": level,
        "levels": LEVELS,
        "refresh_seconds": RUN_REFRESH_SECONDS,
    }


def _live_parts(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """The live part's content, and the URL that polls it naming that content."""
    from markupsafe import Markup

    body = render_text("_flow_run_live_body.html", zone(request), **context)
    seen = hashlib.blake2b(body.encode(), digest_size=8).hexdigest()
    return {
        "live_body": Markup(body),
        "seen": seen,
        "live_url": f"/flow-runs/{context['run'].id}/live?seen={seen}",
    }


@router.get("/flow-runs/{flow_run_id}", response_class=HTMLResponse)
async def flow_run_page(request: Request, flow_run_id: uuid.UUID, database: DatabaseDep) -> Any:
    """One flow run: its facts, parameters, actions, timeline, states, task runs and logs;
    `?level=WARNING` shows only the log lines at or above that level."""
    level = read_level(request.query_params.get("level", ""))
    context = await _run_context(database, flow_run_id, level)
    if context is None:
        return not_found(request, f"Flow run {flow_run_id}")
    return render("flow_run.html", zone(request), **context, **_live_parts(request, context))


@router.get("/flow-runs/{flow_run_id}/live", response_class=HTMLResponse)
async def flow_run_live(request: Request, flow_run_id: uuid.UUID, database: DatabaseDep) -> Any:
    """The parts of a run's page that move whole (state, timeline, task runs, artifacts), for htmx;
    when they are what `?seen=` names, only the timeline's span, and htmx swaps nothing else."""
    context = await _run_context(database, flow_run_id, with_logs=False)
    if context is None:
        # Deleted while its page was open. 286 is htmx's "stop polling" (it swaps this in).
        return render("_flow_run_gone.html", zone(request), HTMX_STOP_POLLING)
    parts = _live_parts(request, context)
    if request.query_params.get("seen") == parts["seen"]:
        reswap = {"HX-Reswap": "none"}
        return render("_flow_run_span.html", zone(request), headers=reswap, oob=True, **context)
    return render("_flow_run_live.html", zone(request), **context, **parts)


@router.get("/flow-runs/{flow_run_id}/logs", response_class=HTMLResponse)
async def flow_run_logs(
    request: Request,
    flow_run_id: uuid.UUID,
    database: DatabaseDep,
    after_id: Annotated[int, Query(ge=0, le=JSON_SAFE_MAX)] = 0,
) -> Any:
    """The run's log lines past `after_id` (a page at most) for htmx to append, and, out
    of band, what asks for the next ones: none once the run is final and all are sent."""
    from cauce.database.queries.flow_runs import select_flow_run
    from cauce.database.queries.ui_logs import select_log_page

    level = read_level(request.query_params.get("level", ""))

    def read(connection: Connection) -> tuple[FlowRun, LogPage] | None:
        run = select_flow_run(connection, flow_run_id)
        if run is None:
            return None
        return run, select_log_page(connection, run.id, _min_level(level), after_id, LOG_PAGE)

    found = await database.read(read)
    if found is None:
        return Response(status_code=HTMX_STOP_POLLING)  # deleted: the live part says so
    run, page = found
    # Lines can land just after the final state: poll once more after any that came.
    polling = not run.state.is_final() or bool(page.lines)
    view = _logs_view(run.id, page, level, polling)
    return render("_flow_run_logs_answer.html", zone(request), first=after_id == 0, **view)


ACTIONS = ("cancel", "resume", "retry", "delete")


async def _confirm(
    request: Request, run: FlowRun, action: str, problem: str = "", status_code: int = 200
) -> Response:
    from cauce.server.ui.run_input_form import input_fields

    fields = input_fields(run.state) if action == "resume" else None
    return with_token(
        request,
        "flow_run_confirm.html",
        status_code,
        run=run,
        action=action,
        problem=problem,
        fields=fields,
    )


async def _run_to_act_on(
    request: Request, database: ServerDatabase, flow_run_id: uuid.UUID, action: str
) -> FlowRun | Response:
    """The run `action` is for; the 404 page for an unknown action or a missing run."""
    from cauce.database.queries.flow_runs import select_flow_run

    if action not in ACTIONS:
        return not_found(request, f"The page {request.url.path}")
    run = await database.read(lambda connection: select_flow_run(connection, flow_run_id))
    if run is None:
        return not_found(request, f"Flow run {flow_run_id}")
    return run


@router.get("/flow-runs/{flow_run_id}/{action}", response_class=HTMLResponse)
async def confirm_page(
    request: Request, flow_run_id: uuid.UUID, action: str, database: DatabaseDep
) -> Any:
    """Asks before cancelling, resuming, retrying or deleting the run: a form that POSTs
    the action."""
    run = await _run_to_act_on(request, database, flow_run_id, action)
    if isinstance(run, Response):
        return run
    return await _confirm(request, run, action)


async def _act(
    database: ServerDatabase, runs_made: RunsMade, run: FlowRun, action: str, form: dict[str, str]
) -> str:
    """Do `action` to `run` as the API does (a resume with the input `form` gives, when
    the run asks for some); the URL to show next. InvalidRequest, ObjectNotFound or
    InputError when it cannot be done."""
    from cauce.database.queries.flow_runs import delete_flow_run
    from cauce.orchestration.cancellation import cancel_flow_run
    from cauce.orchestration.deployments import create_flow_run_from_deployment
    from cauce.orchestration.errors import InvalidRequest
    from cauce.orchestration.pausing import resume_flow_run

    if action == "cancel":
        await database.transaction(
            lambda connection: cancel_flow_run(connection, run.id, CANCEL_REASON)
        )
        return f"/flow-runs/{run.id}"
    if action == "resume":
        from cauce.server.ui.run_input_form import input_fields, input_from_form

        fields = input_fields(run.state)
        given = None if fields is None else input_from_form(fields, form)
        await database.transaction(lambda connection: resume_flow_run(connection, run.id, given))
        return f"/flow-runs/{run.id}"
    if action == "delete":
        await database.transaction(lambda connection: delete_flow_run(connection, run.id))
        return "/flow-runs"
    deployment_id = run.deployment_id
    if deployment_id is None:
        raise InvalidRequest("only a run made from a deployment can be retried")
    now = now_utc()
    made = await database.transaction(
        lambda connection: create_flow_run_from_deployment(
            connection, deployment_id, dict(run.parameters), now
        )
    )
    runs_made.notify()
    return f"/flow-runs/{made.id}"


@router.post("/flow-runs/{flow_run_id}/{action}")
async def do_action(
    request: Request,
    flow_run_id: uuid.UUID,
    action: str,
    form: csrf.CheckedForm,
    database: DatabaseDep,
    runs_made: RunsMadeDep,
) -> Response:
    """Cancel, retry or delete the run; then its page (the new run's, or the list)."""
    from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
    from cauce.schemas.run_input import InputError

    run = await _run_to_act_on(request, database, flow_run_id, action)
    if isinstance(run, Response):
        return run
    try:
        target = await _act(database, runs_made, run, action, form)
    except (InvalidRequest, ObjectNotFound, InputError) as exc:
        return await _confirm(request, run, action, str(exc), status.HTTP_409_CONFLICT)
    return see_other(target)
