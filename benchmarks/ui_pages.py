"""Figures: the web UI's pages on a big history (issue #10's speed targets).

A fresh home's SQLite database (made by `cauce server database upgrade`) is seeded
with --flow-runs flow runs (100,000 by default) of 20 flows, over the last 30
days, in every state, and --task-runs task runs (1,000,000) spread over them,
each with its state history; 50 deployments in 2 pools. Rows are written with
SQLAlchemy Core in batches, untimed. Then `cauce server start` serves that home
and each page is asked for --requests times (50) in a row over one keep-alive
connection, after one untimed request:

- `<page>_p50_ms`, `<page>_p95_ms`: wall time of the request as the client sees
  it on loopback (the server's time plus a loopback round trip);
- `<page>_kb`: the bytes on the wire (gzipped, as a browser asks);
  `<page>_body_kb` the page's size unzipped; for the live fragments that htmx
  polls, one refresh: `flow_run_refresh` when the run's part changed (sent
  whole), `flow_run_refresh_unchanged` when only the clock moved (the span).

Pages: the dashboard (24 h and 7 d), the flow-run list (`/`), the list filtered
by state and by flow, an old page of it (keyset cursor), one run's page and its
live fragment (a run with 50 task runs), deployments, work pools, flows.
`seed_s` is how long seeding took. Prefect's UI is a single-page app whose pages
are many API calls made by the browser; seeding Prefect with the same history
through its API takes hours here, so it is not measured side by side.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from _server import free_port

STATES = [("COMPLETED", "Completed")] * 8 + [("FAILED", "Failed"), ("CRASHED", "Crashed")]
BATCH = 20_000


def _state_columns(kind: str, name: str, at: datetime) -> dict[str, Any]:
    return {
        "state_id": uuid.uuid4(),
        "state_type": kind,
        "state_name": name,
        "state_message": None,
        "state_timestamp": at,
        "scheduled_time": None,
        "run_count": 1,
        "start_time": at - timedelta(seconds=5),
        "end_time": at,
        "created": at - timedelta(seconds=6),
    }


def _history(row: dict[str, Any], owner: str) -> dict[str, Any]:
    return {
        "id": row["state_id"],
        "type": row["state_type"],
        "name": row["state_name"],
        "message": None,
        "timestamp": row["state_timestamp"],
        "scheduled_time": None,
        owner: row["id"],
    }


def seed(home: Path, flow_runs: int, task_runs: int) -> uuid.UUID:
    """Seed `home`'s database; the id of a run with 50 task runs (the newest)."""
    from sqlalchemy import create_engine, insert

    from cauce.database import tables as t

    engine = create_engine(f"sqlite:///{home / 'cauce.db'}")
    now = datetime.now(UTC)
    flow_ids = [uuid.uuid4() for _ in range(20)]
    with engine.begin() as connection:
        connection.execute(
            insert(t.flows),
            [{"id": i, "name": f"flujo-{n}", "created": now} for n, i in enumerate(flow_ids)],
        )
    run_ids: list[uuid.UUID] = []
    step = timedelta(days=30) / flow_runs
    for start in range(0, flow_runs, BATCH):
        runs, states = [], []
        for n in range(start, min(start + BATCH, flow_runs)):
            kind, name = STATES[n % len(STATES)]
            row = {
                "id": uuid.uuid4(),
                "flow_id": flow_ids[n % 20],
                "name": f"corrida-{n}",
                "parameters": {"n": n},
                "tags": ["etl"] if n % 3 else [],
                "auto_scheduled": False,
                **_state_columns(kind, name, now - step * (flow_runs - n)),
            }
            runs.append(row)
            states.append(_history(row, "flow_run_id"))
            run_ids.append(row["id"])
        with engine.begin() as connection:
            connection.execute(insert(t.flow_runs), runs)
            connection.execute(insert(t.flow_run_states), states)
    newest = run_ids[-1]
    per_run = max(task_runs // flow_runs, 1)
    for start in range(0, task_runs, BATCH):
        rows, states = [], []
        for n in range(start, min(start + BATCH, task_runs)):
            owner = newest if n < 50 else run_ids[(n // per_run) % flow_runs]
            row = {
                "id": uuid.uuid4(),
                "flow_run_id": owner,
                "task_name": "tarea",
                "name": f"tarea-{n}",
                "cache_key": None,
                "tags": [],
                "task_inputs": {},
                **_state_columns("COMPLETED", "Completed", now - timedelta(minutes=n % 600)),
            }
            rows.append(row)
            states.append(_history(row, "task_run_id"))
        with engine.begin() as connection:
            connection.execute(insert(t.task_runs), rows)
            connection.execute(insert(t.task_run_states), states)
    engine.dispose()
    _seed_deployments(home)
    return newest


def _seed_deployments(home: Path) -> None:
    """50 deployments with a cron each, in 2 pools, through cauce's own client."""
    import os

    os.environ["CAUCE_HOME"] = str(home)
    from cauce.client.factory import get_client, reset_client
    from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool

    client = get_client()
    for pool in ("compras-prod", "ventas-prod"):
        client.create_work_pool(WorkPool(name=pool))
    for n in range(50):
        cron = DeploymentSchedule("America/Argentina/Buenos_Aires", cron=f"{n % 60} 9 * * *")
        deployment = Deployment(
            flow_name=f"flujo-{n % 20}",
            name=f"despliegue-{n}",
            entrypoint=f"flujos.py:flujo_{n % 20}",
            work_pool_name=("compras-prod", "ventas-prod")[n % 2],
            schedules=[cron],
        )
        client.apply_deployment(deployment)
    reset_client()


def wait_healthy(url: str, seconds: float = 60) -> None:
    """Return once `url` answers 200."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {seconds} s")
        time.sleep(0.1)


def _older_page(client: httpx.Client) -> str:
    """The URL of the list's third page, following its "older" links."""
    url = "/flow-runs"
    for _ in range(2):
        found = re.search(r'class="older" href="([^"]*)"', client.get(url).text)
        if found is None:
            return url
        url = found.group(1).replace("&amp;", "&")
    return url


def time_page(client: httpx.Client, url: str, requests: int) -> dict[str, float]:
    """p50/p95 in ms and size in KB of `requests` GETs of `url`."""
    client.get(url).raise_for_status()
    times, size, wire = [], 0, 0
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        size, wire = len(response.content), response.num_bytes_downloaded
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "kb": round(wire / 1024, 1),
        "body_kb": round(size / 1024, 1),
    }


def _seen(client: httpx.Client, run_url: str) -> str:
    """The live part's URL as the run's page polls it, naming what the page shows."""
    found = re.search(r'hx-get="(/flow-runs/[^"]*/live\?seen=[0-9a-f]+)"', client.get(run_url).text)
    return found.group(1) if found else run_url + "/live"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow-runs", type=int, default=100_000)
    parser.add_argument("--task-runs", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cauce-ui-bench-") as folder:
        home = Path(folder)
        env = {"CAUCE_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
        cauce = [sys.executable, "-m", "cauce.cli.main"]
        subprocess.run([*cauce, "server", "database", "upgrade"], env=env, check=True)
        began = time.perf_counter()
        run_id = seed(home, options.flow_runs, options.task_runs)
        figures: dict[str, Any] = {"seed_s": round(time.perf_counter() - began, 1)}
        port = free_port()
        server = subprocess.Popen(
            [*cauce, "server", "start", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base + "/api/health")
            with httpx.Client(base_url=base, timeout=60) as client:
                # The run with 50 task runs goes on, so its page polls as a live one does.
                client.post(
                    f"/api/flow_runs/{run_id}/set_state",
                    json={"state": {"type": "RUNNING"}, "force": True},
                ).raise_for_status()
                pages = {
                    "dashboard": "/dashboard",
                    "dashboard_7d": "/dashboard?period=7d",
                    "flow_runs": "/",
                    "flow_runs_failed": "/flow-runs?state=FAILED",
                    "flow_runs_of_a_flow": "/flow-runs?flow=flujo-7",
                    "flow_runs_third_page": _older_page(client),
                    "flow_runs_refresh": "/flow-runs/rows",
                    "flow_run": f"/flow-runs/{run_id}",
                    "flow_run_refresh": f"/flow-runs/{run_id}/live",
                    "flow_run_refresh_unchanged": _seen(client, f"/flow-runs/{run_id}"),
                    "deployments": "/deployments",
                    "work_pools": "/work-pools",
                    "flows": "/flows",
                }
                for name, url in pages.items():
                    for key, value in time_page(client, url, options.requests).items():
                        figures[f"{name}_{key}"] = value
        finally:
            server.terminate()
            server.wait(30)
    print(json.dumps({"figure": "ui_pages", "framework": "cauce", **figures}))


if __name__ == "__main__":
    main()
