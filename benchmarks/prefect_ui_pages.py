"""Figures: Prefect 3.9.1's web UI on a big history, as a browser loads it (issue #10).

Prefect's UI is a single-page app: each page is its JavaScript bundle plus many API
calls the browser makes. So its pages are timed in a browser: Debian's chromium,
headless, under Playwright. `prefect server start` (from --prefect, /opt/prefect-venv)
first creates and migrates a fresh PREFECT_HOME's `prefect.db` and is stopped; then
that SQLite file is seeded directly (rows shaped after what Prefect itself writes for
a run, observed in its schema and in a run's rows; seeding through its API would
take hours): --flow-runs flow runs (100,000) of 20 flows over the last 30 days, in
every state, --tasks-per-run task runs each (10), one state row per run (as
`ui_pages.py` seeds cauce); the newest run is Running with its task runs. The server
is restarted on that file, asked how many flow runs it sees (`/api/flow_runs/count`),
and given 50 deployments in 2 work pools through its API. Then, per page (the
dashboard, the runs list, the newest run's page, deployments, work pools, flows),
one untimed load and --loads (10) loads, each in a fresh browser context (empty
cache) followed by a reload:

- `<page>_drawn_ms`: from navigation start to the page's last DOM change (a
  MutationObserver) up to 200 ms after the load's last answer, p50 and p95 (the
  load is every request once: a URL asked again after it was answered is a poll;
  later changes, such as a ticking clock or polled refreshes, are not counted);
- `<page>_net_ms`: to the end of the last network answer (Resource Timing), p50;
- `<page>_requests`, `<page>_kb`: requests and bytes over the wire (Resource Timing's
  transferSize: headers + compressed body; 0 for what came from the cache), first
  load; `_reload_requests`, `_reload_kb`: the same on a reload;
- `<page>_slowest_api_ms`: the slowest API answer's server time (request sent to
  first byte, on loopback), p50 over the loads;
- `poll_requests_per_min`, `poll_kb_per_min`: the running run's page left open
  --poll-seconds (60): what it asks for in that time, scaled to a minute.

With --cauce, the same pages of cauce's server (`ui_pages.py`'s seed at the same
size, its newest run set Running) are loaded the same way, into `cauce_*` figures.
Prints a table (on stderr), then one JSON line. Task runs are timed as `ui_pages.py`
times cauce's (all in the last 10 hours), so both sides hold the same data. At the
default size, seeding takes about 5 minutes for Prefect and 3 for cauce here, and
Prefect's dashboard about 25 s a load: `--loads 5 --cauce` took 21 minutes on 2
busy cores; use fewer --flow-runs or --loads for a quicker look. Every server runs in
a process group of its own, killed with it at the end; chromium is closed and any
leftover killed.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from _harness import kill_group
from _server import free_port
from ui_live_tab import CHROMIUM, CHROMIUM_ARGS, kill_chromium
from ui_pages import wait_healthy

PREFECT = "/opt/prefect-venv/bin/prefect"
# In every state, mostly finished ones, as a busy history looks.
STATES = (
    [("COMPLETED", "Completed")] * 12
    + [("FAILED", "Failed")] * 2
    + [("CRASHED", "Crashed"), ("CANCELLED", "Cancelled"), ("RUNNING", "Running")]
    + [("PENDING", "Pending"), ("SCHEDULED", "Late"), ("PAUSED", "Paused")]
)
BATCH = 20_000
PAGE_SCRIPT = """
performance.setResourceTimingBufferSize(100000);
window.__mutations = [];
new MutationObserver(() => window.__mutations.push(performance.now()))
  .observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""
READ_TIMINGS = """
() => ({
  nav: performance.getEntriesByType('navigation').map(e => e.toJSON()),
  res: performance.getEntriesByType('resource').map(e => e.toJSON()),
  mutations: window.__mutations,
})
"""


def _stamp(at: datetime) -> str:
    """A datetime as Prefect's SQLite rows hold it: naive UTC, microseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _details(flow_run_id: str, task_run_id: str | None) -> str:
    return json.dumps({"flow_run_id": flow_run_id, "task_run_id": task_run_id})


def _run_row(n: int, flows: list[str], at: datetime, kind: str, name: str) -> tuple[Any, ...]:
    run_id, state_id = str(uuid.uuid4()), str(uuid.uuid4())
    end = None if kind in ("RUNNING", "PENDING", "SCHEDULED", "PAUSED") else _stamp(at)
    started = None if kind in ("PENDING", "SCHEDULED") else _stamp(at - timedelta(seconds=5))
    expected = _stamp(at - timedelta(seconds=6))
    return (
        run_id,
        _stamp(at),
        _stamp(at),
        f"corrida-{n}",
        kind,
        1,
        expected,
        started,
        end,
        "1970-01-01 00:00:05.000000",
        json.dumps({"n": n}),
        json.dumps(["etl"] if n % 3 else []),
        flows[n % len(flows)],
        state_id,
        name,
        _stamp(at),
        json.dumps({"prefect.flow.id": flows[n % len(flows)]}),
    )


FLOW_RUN_INSERT = """INSERT INTO flow_run (id, created, updated, name, state_type, run_count,
 expected_start_time, start_time, end_time, total_run_time, parameters, tags, flow_id,
 state_id, state_name, state_timestamp, labels, empirical_policy, context, job_variables,
 auto_scheduled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'{}','{}','{}',0)"""
TASK_RUN_INSERT = """INSERT INTO task_run (id, created, updated, name, state_type, run_count,
 expected_start_time, start_time, end_time, total_run_time, task_key, dynamic_key,
 task_inputs, tags, flow_run_id, state_id, state_name, state_timestamp, labels,
 empirical_policy, flow_run_run_count) VALUES (?,?,?,?,?,1,?,?,?,?,?,?,'{}','[]',?,?,?,?,
 '{}','{}',1)"""
STATE_INSERT = """INSERT INTO {table} (id, created, updated, type, timestamp, name,
 state_details, {owner}) VALUES (?,?,?,?,?,?,?,?)"""


def _flow_runs(connection: sqlite3.Connection, count: int, flows: list[str]) -> list[str]:
    """Insert `count` flow runs and their states; their ids, oldest first."""
    now, step, ids = datetime.now(UTC), timedelta(days=30) / count, []
    for start in range(0, count, BATCH):
        runs, states = [], []
        for n in range(start, min(start + BATCH, count)):
            kind, name = STATES[n % len(STATES)] if n < count - 1 else ("RUNNING", "Running")
            row = _run_row(n, flows, now - step * (count - n), kind, name)
            runs.append(row)
            ids.append(row[0])
            details = _details(row[0], None)
            states.append((row[13], row[1], row[1], kind, row[1], name, details, row[0]))
        connection.executemany(FLOW_RUN_INSERT, runs)
        table = STATE_INSERT.format(table="flow_run_state", owner="flow_run_id")
        connection.executemany(table, states)
    return ids


def _task_runs(connection: sqlite3.Connection, runs: list[str], per_run: int) -> None:
    """Insert `per_run` task runs, each with its state, for every run in `runs`."""
    now = datetime.now(UTC)
    for start in range(0, len(runs), BATCH // per_run):
        rows, states = [], []
        for r, run_id in enumerate(runs[start : start + BATCH // per_run], start):
            newest = r == len(runs) - 1
            for n in range(per_run):
                running = newest and n >= per_run // 2
                kind, name = ("RUNNING", "Running") if running else ("COMPLETED", "Completed")
                at = now - timedelta(minutes=(r * per_run + n) % 600, seconds=per_run - n)
                task_id, state_id, stamp = str(uuid.uuid4()), str(uuid.uuid4()), _stamp(at)
                begun = _stamp(at - timedelta(seconds=1))
                end = None if running else stamp
                rows.append((task_id, stamp, stamp, f"tarea-{n}", kind, begun, begun, end))
                rows[-1] += ("1970-01-01 00:00:01.000000", "tarea-1", str(n), run_id)
                rows[-1] += (state_id, name, stamp)
                details = _details(run_id, task_id)
                states.append((state_id, stamp, stamp, kind, stamp, name, details, task_id))
        connection.executemany(TASK_RUN_INSERT, rows)
        table = STATE_INSERT.format(table="task_run_state", owner="task_run_id")
        connection.executemany(table, states)


def seed_prefect(database: Path, flow_runs: int, per_run: int) -> tuple[str, list[str]]:
    """Seed Prefect's SQLite file; the newest run's id (Running, with task runs), the flows."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA synchronous = OFF")
    flows = [str(uuid.uuid4()) for _ in range(20)]
    now = _stamp(datetime.now(UTC))
    with connection:
        connection.executemany(
            "INSERT INTO flow (id, created, updated, name, tags, labels)"
            " VALUES (?,?,?,?,'[]','{}')",
            [(flow, now, now, f"flujo-{n}") for n, flow in enumerate(flows)],
        )
        runs = _flow_runs(connection, flow_runs, flows)
        _task_runs(connection, runs, per_run)
    connection.close()
    return runs[-1], flows


def prefect_env(home: Path, port: int) -> dict[str, str]:
    """This environment without framework settings, plus a fresh PREFECT_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAUCE_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(home)
    # The UI asks its API at this address (by default port 4200, whatever --port says).
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


@contextmanager
def serving(command: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    """Run a server in a process group of its own until the block ends."""
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        try:
            wait_healthy(health, seconds=300)
        except TimeoutError:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
            raise
        yield
    finally:
        server.terminate()
        try:
            server.wait(30)
        finally:
            kill_group(server.pid)
            log.close()


def prefect_deployments(api: str, flows: list[str]) -> None:
    """50 deployments with a cron each, in 2 process pools, through Prefect's API."""
    pools = ("compras-prod", "ventas-prod")
    with httpx.Client(base_url=api, timeout=60) as client:
        for pool in pools:
            client.post("/work_pools/", json={"name": pool, "type": "process"}).raise_for_status()
        for n in range(50):
            cron = {"cron": f"{n % 60} 9 * * *", "timezone": "America/Argentina/Buenos_Aires"}
            body = {
                "name": f"despliegue-{n}",
                "flow_id": flows[n % len(flows)],
                "entrypoint": f"flujos.py:flujo_{n % 20}",
                "work_pool_name": pools[n % 2],
                "schedules": [{"schedule": cron, "active": True}],
            }
            client.post("/deployments/", json=body).raise_for_status()


def _load_entries(timings: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's requests that make up its load: all but repeats of an answered URL.

    A URL asked again after its first answer came back is the page polling (Prefect's
    SPA and cauce's htmx fragments both refresh about every second), not loading.
    """
    kept, answered = [], {}
    for entry in sorted(timings["nav"] + timings["res"], key=lambda e: e["startTime"]):
        if entry["name"] in answered and entry["startTime"] >= answered[entry["name"]]:
            continue
        answered.setdefault(entry["name"], entry["responseEnd"])
        kept.append(entry)
    return kept


def _measure(page: Any) -> dict[str, float]:
    """What the page's own timings say about its load (see the module docstring)."""
    timings = page.evaluate(READ_TIMINGS)
    entries = _load_entries(timings)
    net_end = max(entry["responseEnd"] for entry in entries)
    drawn = [m for m in timings["mutations"] if m <= net_end + 200]
    answers = [
        entry["responseStart"] - entry["requestStart"]
        for entry in entries
        if entry["initiatorType"] in ("navigation", "fetch", "xmlhttprequest")
        and entry["responseStart"] > 0
    ]
    return {
        "drawn_ms": max(drawn, default=timings["nav"][0]["domContentLoadedEventEnd"]),
        "net_ms": net_end,
        "requests": len(entries),
        "kb": sum(entry.get("transferSize", 0) for entry in entries) / 1024,
        "slowest_answer_ms": max(answers, default=0.0),
    }


def load(browser: Any, url: str) -> tuple[dict[str, float], dict[str, float]]:
    """One load of `url` in a fresh context (empty cache), then a reload."""
    context = browser.new_context()
    try:
        context.add_init_script(PAGE_SCRIPT)
        page = context.new_page()
        page.goto(url, wait_until="networkidle", timeout=180_000)
        first = _measure(page)
        page.reload(wait_until="networkidle", timeout=180_000)
        return first, _measure(page)
    finally:
        context.close()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1)


def summarize(loads: list[tuple[dict[str, float], dict[str, float]]]) -> dict[str, float]:
    """p50/p95 of the timings, medians of the counts, over the loads."""
    firsts, reloads = [first for first, _ in loads], [again for _, again in loads]

    def median(rows: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(row[key] for row in rows), 1)

    return {
        "drawn_ms_p50": median(firsts, "drawn_ms"),
        "drawn_ms_p95": _p([row["drawn_ms"] for row in firsts], 0.95),
        "net_ms_p50": median(firsts, "net_ms"),
        "requests": median(firsts, "requests"),
        "kb": median(firsts, "kb"),
        "reload_drawn_ms_p50": median(reloads, "drawn_ms"),
        "reload_requests": median(reloads, "requests"),
        "reload_kb": median(reloads, "kb"),
        "slowest_answer_ms_p50": median(firsts + reloads, "slowest_answer_ms"),
        "slowest_answer_ms_max": round(max(row["slowest_answer_ms"] for row in firsts), 1),
    }


def poll(browser: Any, url: str, seconds: float) -> dict[str, float]:
    """Requests and KB a page open `seconds` asks for, per minute (and websocket frames)."""
    context = browser.new_context()
    frames: list[int] = []
    try:
        context.add_init_script(PAGE_SCRIPT)
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
        page.goto(url, wait_until="networkidle", timeout=180_000)
        before = page.evaluate(READ_TIMINGS)["res"]
        page.wait_for_timeout(seconds * 1000)
        after = page.evaluate(READ_TIMINGS)["res"][len(before) :]
    finally:
        context.close()
    scale = 60 / seconds
    return {
        "poll_requests_per_min": round(len(after) * scale, 1),
        "poll_kb_per_min": round(sum(e.get("transferSize", 0) for e in after) / 1024 * scale, 1),
        "poll_ws_frames_per_min": round(len(frames) * scale, 1),
        "poll_ws_kb_per_min": round(sum(frames) / 1024 * scale, 1),
    }


def browse(base: str, pages: dict[str, str], loads: int, poll_s: float) -> dict[str, Any]:
    """Every page's figures (one untimed load first), then the poll of `flow_run`."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, path in pages.items():
                load(browser, base + path)
                summary = summarize([load(browser, base + path) for _ in range(loads)])
                figures.update({f"{name}_{key}": value for key, value in summary.items()})
                print(f"  {name}: {summary}", file=sys.stderr, flush=True)
            if poll_s > 0:
                figures.update(poll(browser, base + pages["flow_run"], poll_s))
        finally:
            browser.close()
            kill_chromium()
    return figures


def flow_runs_seen(api: str) -> int:
    """How many flow runs Prefect's API counts."""
    response = httpx.post(f"{api}/flow_runs/count", json={}, timeout=300)
    response.raise_for_status()
    return int(response.json())


def measure_prefect(options: argparse.Namespace) -> dict[str, Any]:
    """Seed a fresh Prefect home and time its pages in the browser."""
    with tempfile.TemporaryDirectory(prefix="prefect-ui-bench-") as folder:
        home, port = Path(folder), free_port()
        env = prefect_env(home, port)
        command = [options.prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        base, began = f"http://127.0.0.1:{port}", time.perf_counter()
        with serving(command, env, base + "/api/health"):
            pass  # its first start creates and migrates prefect.db
        figures: dict[str, Any] = {"migrate_s": round(time.perf_counter() - began, 1)}
        began = time.perf_counter()
        run_id, flows = seed_prefect(home / "prefect.db", options.flow_runs, options.tasks_per_run)
        figures["seed_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        with serving(command, env, base + "/api/health"):
            figures["restart_s"] = round(time.perf_counter() - began, 1)
            figures["flow_runs_seen"] = flow_runs_seen(base + "/api")
            prefect_deployments(base + "/api", flows)
            pages = {
                "dashboard": "/dashboard",
                "flow_runs": "/runs",
                "flow_run": f"/runs/flow-run/{run_id}",
                "deployments": "/deployments",
                "work_pools": "/work-pools",
                "flows": "/flows",
            }
            figures.update(browse(base, pages, options.loads, options.poll_seconds))
    return figures


def measure_cauce(options: argparse.Namespace) -> dict[str, Any]:
    """The same pages of cauce's server, on `ui_pages.py`'s seed at the same size."""
    from sqlalchemy import create_engine, update

    from cauce.database import tables as t
    from ui_pages import seed

    with tempfile.TemporaryDirectory(prefix="cauce-ui-bench-") as folder:
        home, port = Path(folder), free_port()
        env = {"CAUCE_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
        cauce = [sys.executable, "-m", "cauce.cli.main"]
        upgrade = [*cauce, "server", "database", "upgrade"]
        subprocess.run(upgrade, env=env, check=True, stdout=subprocess.DEVNULL)
        began = time.perf_counter()
        run_id = seed(home, options.flow_runs, options.flow_runs * options.tasks_per_run)
        figures: dict[str, Any] = {"seed_s": round(time.perf_counter() - began, 1)}
        engine = create_engine(f"sqlite:///{home / 'cauce.db'}")
        with engine.begin() as connection:  # a running-looking page, as Prefect's
            running = {"state_type": "RUNNING", "state_name": "Running", "end_time": None}
            connection.execute(update(t.flow_runs).where(t.flow_runs.c.id == run_id), running)
        engine.dispose()
        base = f"http://127.0.0.1:{port}"
        command = [*cauce, "server", "start", "--port", str(port)]
        with serving(command, env, base + "/api/health"):
            pages = {
                "dashboard": "/dashboard",
                "flow_runs": "/",
                "flow_run": f"/flow-runs/{run_id}",
                "deployments": "/deployments",
                "work_pools": "/work-pools",
                "flows": "/flows",
            }
            figures.update(browse(base, pages, options.loads, options.poll_seconds))
    return figures


COLUMNS = [
    ("drawn_ms_p50", "drawn p50 ms"),
    ("drawn_ms_p95", "p95"),
    ("net_ms_p50", "net p50"),
    ("requests", "reqs"),
    ("kb", "KB"),
    ("reload_drawn_ms_p50", "reload ms"),
    ("reload_requests", "reqs"),
    ("reload_kb", "KB"),
    ("slowest_answer_ms_p50", "slowest answer p50"),
    ("slowest_answer_ms_max", "max"),
]


def table(sides: dict[str, dict[str, Any]]) -> str:
    """The figures as a Markdown table, a row per page and side."""
    lines = ["| page | side | " + " | ".join(label for _, label in COLUMNS) + " |"]
    lines.append("|---|---|" + "---:|" * len(COLUMNS))
    for page in ("dashboard", "flow_runs", "flow_run", "deployments", "work_pools", "flows"):
        for side, figures in sides.items():
            cells = [str(figures.get(f"{page}_{key}", "")) for key, _ in COLUMNS]
            lines.append(f"| {page} | {side} | " + " | ".join(cells) + " |")
    for side, figures in sides.items():
        polled = {k: v for k, v in figures.items() if k.startswith("poll_")}
        lines.append(f"\n{side}, running run's page left open: {polled}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow-runs", type=int, default=100_000)
    parser.add_argument("--tasks-per-run", type=int, default=10)
    parser.add_argument("--loads", type=int, default=10, help="timed loads per page")
    parser.add_argument("--poll-seconds", type=float, default=60, help="0: no poll figure")
    parser.add_argument("--cauce", action="store_true", help="also cauce's pages, same way")
    parser.add_argument("--prefect", default=PREFECT, help="Prefect's `prefect` command")
    options = parser.parse_args()
    sides = {"prefect": measure_prefect(options)}
    if options.cauce:
        sides["cauce"] = measure_cauce(options)
    print(table(sides), file=sys.stderr)
    sizes = {"flow_runs": options.flow_runs, "task_runs_per_flow_run": options.tasks_per_run}
    figures = {
        f"{side}_{k}" if side == "cauce" else k: v for side in sides for k, v in sides[side].items()
    }
    print(json.dumps({"figure": "prefect_ui_pages", "framework": "prefect", **sizes, **figures}))


if __name__ == "__main__":
    main()
