"""The flow run pages: the list at / and /flow-runs; one run's page is flow_run.py's.

The list has a fragment that htmx polls to refresh its rows in place every few
seconds while the page is open. It reads through the same queries as the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.schemas.flow_runs import FlowRun, FlowRunCursor, FlowRunFilter
from cauce.server.database import DatabaseDep, ServerDatabase
from cauce.server.ui.pages import flow_run
from cauce.server.ui.rendering import render
from cauce.states import StateType

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 50
LIST_REFRESH_SECONDS = 3

# The list's query parameters, all read as text so that no input is a 422 or a 500: a
# value that cannot be read is named in a one-line message and left out of the filter.
FILTER_FIELDS = ("state", "flow", "deployment", "tag", "name", "start_from", "start_to")
PAGE_FIELDS = ("before", "after")


@dataclass
class ListFilter:
    """What the list's URL asks for: the form's text (shown back) and the filter it reads."""

    form: dict[str, str]
    where: FlowRunFilter
    deployment: tuple[str, str] | None = None
    """The deployment asked for by name, as (flow, deployment), resolved when reading."""
    problems: list[str] = field(default_factory=list)


def _zone(request: Request) -> str:
    zone: str = request.app.state.settings.default_timezone
    return zone


def _local_time(raw: str, zone: str) -> datetime:
    """A `datetime-local` input's value, read in `zone` unless it names its own offset."""
    moment = datetime.fromisoformat(raw)
    moment = moment.replace(tzinfo=ZoneInfo(zone)) if moment.tzinfo is None else moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted out of range: as unreadable as any other
        raise ValueError(raw) from None


def _text(raw: str) -> str:
    # A NUL is no character a name holds, and PostgreSQL refuses it in a query.
    if "\x00" in raw:
        raise ValueError(raw)
    return raw


def encode_cursor(run: FlowRun) -> str:
    """A run's place in the list, for a page link: its created time (UTC) and id."""
    return f"{run.created.astimezone(UTC).isoformat()},{run.id}"


def _cursor(raw: str) -> FlowRunCursor:
    created, _, flow_run_id = raw.rpartition(",")
    moment = datetime.fromisoformat(created)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return _local_time(created, "UTC"), uuid.UUID(flow_run_id)


def _read_state(raw: str) -> list[str]:
    return [StateType(raw.upper()).value]


def _read_deployment(raw: str) -> tuple[str, str]:
    flow_name, slash, name = _text(raw).partition("/")
    if not (slash and flow_name and name):
        raise ValueError(raw)
    return flow_name, name


_PROBLEMS = {
    "state": "state: no state type {!r}",
    "flow": "flow: not a name: {!r}",
    "tag": "tag: not a tag: {!r}",
    "name": "name: not a name: {!r}",
    "deployment": "deployment: write it as flow/deployment, not {!r}",
    "start_from": "from: not a date and time: {!r}",
    "start_to": "to: not a date and time: {!r}",
    "before": "older runs: not a page of this list: {!r}",
    "after": "newer runs: not a page of this list: {!r}",
}


def read_list_filter(query: Mapping[str, str], zone: str) -> ListFilter:
    """The list's filter from its URL query; what cannot be read is named in `problems`."""
    form = {name: query.get(name, "").strip() for name in (*FILTER_FIELDS, *PAGE_FIELDS)}
    readers: dict[str, tuple[str, Callable[[str], Any]]] = {
        "state": ("state_types", _read_state),
        "flow": ("flow_name", _text),
        "deployment": ("", _read_deployment),
        "tag": ("tag", _text),
        "name": ("name_like", _text),
        "start_from": ("start_after", lambda raw: _local_time(raw, zone)),
        "start_to": ("start_before", lambda raw: _local_time(raw, zone)),
        "before": ("before", _cursor),
        "after": ("after", _cursor),
    }
    chosen = ListFilter(form=form, where=FlowRunFilter(limit=LIST_LIMIT + 1))
    for name, (attribute, reader) in readers.items():
        if not form[name]:
            continue
        try:
            value = reader(form[name])
        except ValueError:
            chosen.problems.append(_PROBLEMS[name].format(form[name]))
            if name in PAGE_FIELDS:  # a filter's text stays in the form, to be corrected
                form[name] = ""
            continue
        if attribute:
            setattr(chosen.where, attribute, value)
        else:
            chosen.deployment = value
    if chosen.where.before is not None and chosen.where.after is not None:
        chosen.where.after = None
    return chosen


def _page_links(chosen: ListFilter, runs: list[FlowRun]) -> tuple[list[FlowRun], str, str]:
    """The page's runs (at most LIST_LIMIT) and its links to newer and older runs ('' for none)."""
    filters = {name: chosen.form[name] for name in FILTER_FIELDS if chosen.form[name]}
    more = len(runs) > LIST_LIMIT
    if chosen.where.after is not None:
        # Read oldest first from the cursor: the extra run is the newest, at the top.
        runs = runs[1:] if more else runs
        has_newer, has_older = more, bool(runs)
    else:
        runs = runs[:LIST_LIMIT]
        has_newer, has_older = chosen.where.before is not None, more
    newer = older = ""
    if has_newer and runs:
        newer = "/flow-runs?" + urlencode({**filters, "after": encode_cursor(runs[0])})
    elif has_newer:
        newer = "/flow-runs?" + urlencode(filters)
    if has_older:
        older = "/flow-runs?" + urlencode({**filters, "before": encode_cursor(runs[-1])})
    return runs, newer, older


async def _read_runs(database: ServerDatabase, chosen: ListFilter) -> list[FlowRun]:
    """The runs `chosen` asks for, in one transaction (resolving a deployment's name)."""
    from sqlalchemy import Connection

    from cauce.database.queries.deployments import select_deployment_by_name
    from cauce.database.queries.flow_runs import select_flow_runs

    def read(connection: Connection) -> list[FlowRun]:
        if chosen.deployment is not None:
            deployment = select_deployment_by_name(connection, *chosen.deployment)
            if deployment is None:
                chosen.problems.append(f"deployment: no deployment {'/'.join(chosen.deployment)!r}")
                return []
            chosen.where.deployment_id = deployment.id
        return select_flow_runs(connection, chosen.where)

    return await database.read(read)


async def _list_context(request: Request, database: ServerDatabase) -> dict[str, Any]:
    """The list page's context: its filters, a page of runs, and the links around it."""
    chosen = read_list_filter(request.query_params, _zone(request))
    runs, newer, older = _page_links(chosen, await _read_runs(database, chosen))
    shown = {name: chosen.form[name] for name in (*FILTER_FIELDS, *PAGE_FIELDS)}
    return {
        "runs": runs,
        "form": chosen.form,
        "state": chosen.where.state_types[0] if chosen.where.state_types else "",
        "state_types": list(StateType),
        "problems": chosen.problems,
        "rows_url": "/flow-runs/rows?" + urlencode({k: v for k, v in shown.items() if v}),
        "newer_url": newer,
        "older_url": older,
        # Filters beyond the state, which the empty list names on its own.
        "filtered": any(chosen.form[name] for name in FILTER_FIELDS[1:]),
        "refresh_seconds": LIST_REFRESH_SECONDS,
        "limit": LIST_LIMIT,
    }


@router.get("/", response_class=HTMLResponse)
@router.get("/flow-runs", response_class=HTMLResponse)
async def flow_runs_page(request: Request, database: DatabaseDep) -> Any:
    """The newest flow runs, filtered by the URL's query and paged by a cursor in it."""
    context = await _list_context(request, database)
    return render("flow_runs.html", _zone(request), **context)


@router.get("/flow-runs/rows", response_class=HTMLResponse)
async def flow_runs_rows(request: Request, database: DatabaseDep) -> Any:
    """The list's rows alone (with its page links), for htmx to swap in."""
    context = await _list_context(request, database)
    return render("_flow_run_rows.html", _zone(request), **context)


# After /flow-runs/rows: the run's routes take any one path segment as its id.
router.include_router(flow_run.router)
