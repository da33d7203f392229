"""The dashboard at /dashboard: flow runs by state over the last 24 h or 7 d, the runs that
need attention, deployments with their next run, and workers with their health.

The chart is SVG drawn here on the server (no script draws it), from one aggregate query;
the page's body is a fragment at /dashboard/live that htmx polls to refresh it in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.server.database import DatabaseDep
from cauce.server.ui.pages.deployments import next_run
from cauce.server.ui.pages.work_pools import WorkerView, worker_status
from cauce.server.ui.rendering import local_time, render
from cauce.states import StateType, now_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 10
ATTENTION_LIMIT = 5


@dataclass(frozen=True, slots=True)
class Period:
    """A choice of the chart: how far back, in buckets of how long."""

    key: str
    label: str
    step: timedelta
    count: int


PERIODS = {
    "24h": Period("24h", "Last 24 h", timedelta(hours=1), 24),
    "7d": Period("7d", "Last 7 d", timedelta(hours=6), 28),
}

# Bottom to top of each bar: outcomes first, then what is still going on.
STACK_ORDER = (
    StateType.COMPLETED,
    StateType.FAILED,
    StateType.CRASHED,
    StateType.CANCELLED,
    StateType.CANCELLING,
    StateType.PAUSED,
    StateType.RUNNING,
    StateType.PENDING,
    StateType.SCHEDULED,
)

# The SVG's size in its own units; it scales to the page's width.
WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 28


@dataclass(slots=True)
class Segment:
    """A state's part of one bar: where it is drawn, and its hover text."""

    state: str
    count: int
    y: float
    height: float
    title: str


@dataclass(slots=True)
class Bar:
    """One bucket's bar: its place, its axis label (or ''), and its stacked segments."""

    x: float
    width: float
    label: str
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Chart:
    """What the template draws: bars, the y axis's ticks and the totals per state type."""

    bars: list[Bar]
    ticks: list[tuple[float, int]]
    totals: list[tuple[str, int]]
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM


def _ticks(highest: int) -> list[int]:
    """Round values for the y axis (steps of 1, 2, 5, 10, 20...), 0 to at least `highest`."""
    steps = (base * 10**power for power in range(15) for base in (1, 2, 5))
    step = next(step for step in steps if highest <= 4 * step)
    top = max(step, -(-highest // step) * step)
    return list(range(0, top + 1, step))


def _label(start: datetime, period: Period, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    if period.step < timedelta(hours=6):
        return f"{local:%H:%M}" if local.hour % 3 == 0 else ""
    return f"{local:%a %d}" if local.hour == 0 else ""


def _span(start: datetime, end: datetime, zone: str) -> str:
    return f"{local_time(start, zone)[:16]} to {local_time(end, zone)[11:16]}"


def build_chart(
    counts: dict[tuple[int, str], int], edges: list[datetime], period: Period, zone: str
) -> Chart:
    """The stacked bars of `counts` (per bucket index and state type) over `edges`."""
    per_bucket = [
        sum(counts.get((i, s.value), 0) for s in STACK_ORDER) for i in range(len(edges) - 1)
    ]
    ticks = _ticks(max(per_bucket, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / ticks[-1]
    slot = (WIDTH - LEFT - RIGHT) / (len(edges) - 1)
    bars = []
    for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
        bar = Bar(LEFT + index * slot + 1, slot - 2, _label(start, period, zone))
        base: float = HEIGHT - BOTTOM
        for state in STACK_ORDER:
            count = counts.get((index, state.value), 0)
            if count:
                height = count * scale
                base -= height
                name = state.value.capitalize()
                title = f"{count} {name}, {_span(start, end, zone)}"
                bar.segments.append(Segment(state.value.lower(), count, base, height, title))
        bars.append(bar)
    totals = [
        (state.value.capitalize(), sum(c for (_, s), c in counts.items() if s == state.value))
        for state in STACK_ORDER
    ]
    shown = [(name, total) for name, total in totals if total]
    return Chart(bars, [(HEIGHT - BOTTOM - t * scale, t) for t in ticks], shown, sum(per_bucket))


@dataclass(slots=True)
class Attention:
    """The runs to look at first: the latest Late ones, and the period's Failed and Crashed."""

    late: list[FlowRun]
    failed: list[FlowRun]


def _read(connection: Connection, edges: list[datetime], heartbeat: float) -> dict[str, Any]:
    """Everything the dashboard shows, in one transaction."""
    from cauce.database.queries.dashboard import count_runs_by_bucket
    from cauce.database.queries.deployments import select_deployments
    from cauce.database.queries.flow_runs import select_flow_runs
    from cauce.database.queries.workers import select_workers

    late = FlowRunFilter(state_names=["Late"], limit=ATTENTION_LIMIT)
    failed = FlowRunFilter(
        state_types=[StateType.FAILED.value, StateType.CRASHED.value],
        start_after=edges[0],
        limit=ATTENTION_LIMIT,
    )
    now = now_utc()
    return {
        "counts": count_runs_by_bucket(connection, edges),
        "attention": Attention(
            select_flow_runs(connection, late), select_flow_runs(connection, failed)
        ),
        "deployments": [(d, next_run(d, now)) for d in select_deployments(connection)],
        "workers": [WorkerView(w, worker_status(w, heartbeat)) for w in select_workers(connection)],
    }


def _zone(request: Request) -> str:
    zone: str = request.app.state.settings.default_timezone
    return zone


async def _context(request: Request, database: DatabaseDep) -> dict[str, Any]:
    """The dashboard's context for the period the URL asks for (the last 24 h by default)."""
    from cauce.database.queries.dashboard import bucket_edges

    period = PERIODS.get(request.query_params.get("period", ""), PERIODS["24h"])
    zone = _zone(request)
    edges = bucket_edges(now_utc(), zone, period.step, period.count)
    heartbeat: float = request.app.state.settings.worker.heartbeat.total_seconds()
    found = await database.read(lambda connection: _read(connection, edges, heartbeat))
    return {
        **found,
        "chart": build_chart(found["counts"], edges, period, zone),
        "period": period,
        "periods": list(PERIODS.values()),
        "live_url": "/dashboard/live?" + urlencode({"period": period.key}),
        "refresh_seconds": REFRESH_SECONDS,
        "in_zone": local_time,
    }


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, database: DatabaseDep) -> Any:
    """Flow runs by state over time, runs needing attention, deployments and workers."""
    return render("dashboard.html", _zone(request), **await _context(request, database))


@router.get("/dashboard/live", response_class=HTMLResponse)
async def dashboard_live(request: Request, database: DatabaseDep) -> Any:
    """The dashboard's body alone, for htmx to swap in every few seconds."""
    return render("_dashboard_live.html", _zone(request), **await _context(request, database))
