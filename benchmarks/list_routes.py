"""Figures: every list route of the API and CLI listing on a big history (issue #12, item 4).

The history is `ui_pages.py`'s `seed`: --flow-runs flow runs (100,000) of 20
flows over the last 30 days, --task-runs task runs (1,000,000) spread over them,
each with its state, 50 deployments in 2 pools. Added to it here, untimed:
--logs log lines (200,000; 2,000 of them in the run with 50 task runs, the rest
spread over the others), each flow's runs made from one deployment (5,000 runs
each), the tag `urgente` on 1 run in 100 (`etl` is on 2 in 3), 500 variables,
10,000 artifacts (200 keys, 50 versions each), 100 global concurrency limits and
20 workers. Then `cauce server start` serves that database and each route is
asked --requests times (30) in a row over one keep-alive connection, after one
untimed request:

- `<route>_p50_ms`, `<route>_p95_ms`: wall time of the request as the client sees
  it on loopback (the server's time plus a loopback round trip).

Routes: the flow-run filter (first page; offset 50,000; the same page through the
keyset cursor `before`; a state, a flow, a deployment, a common and a rare tag;
the last page of a flow's runs sorted by name), a run's task runs, subflow runs,
states and logs, a task run's states, deployments, flows, work pools, workers,
variables, artifacts (every version, and the latest of each key) and concurrency
limits. `worst_p95_ms` is the slowest route's p95 (`worst_route` names it).

The CLI's listings (`cauce flow-run ls`, `flow-run logs`, `deployment ls`, `flow
ls`, `work-pool ls`, `worker ls`, `variable ls`, `artifact ls`, `gcl ls`) run as
processes against that server, --cli-runs times (10) each: `cli_<name>_p50_ms` /
`_p95_ms`, beside `cli_version_p50_ms` (`cauce version`: the interpreter's
start and cauce's import, which every command pays).

`--database-url postgresql://...`: the seeded rows are copied into that database
(emptied first, then analyzed; `copy_s`, as `prune.py` does) and the server uses
it. `--home DIR` keeps the seeded SQLite database in DIR and reuses it (and a
PostgreSQL copy holding as many rows) on the next run.
"""

import argparse
import json
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

from _harness import FRAMEWORKS, kill_group
from _server import free_port, server_command, server_env
from prune import _copy_to
from ui_pages import BATCH, seed, wait_healthy

CAUCE = FRAMEWORKS["cauce"]
SEEDED_MARK = "list_routes_seeded.json"


def _seed_extras(home: Path, newest: uuid.UUID, logs: int) -> None:
    """What `seed` leaves out: logs, runs of deployments, tags, variables, artifacts,
    concurrency limits and workers."""
    from sqlalchemy import create_engine, func, insert, select, update

    from cauce.database import tables as t

    engine = create_engine(f"sqlite:///{home / 'cauce.db'}")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for flow_id, deployment_id in connection.execute(
            select(t.deployments.c.flow_id, func.min(t.deployments.c.id)).group_by(
                t.deployments.c.flow_id
            )
        ):
            connection.execute(
                update(t.flow_runs)
                .where(t.flow_runs.c.flow_id == flow_id)
                .values(deployment_id=deployment_id)
            )
        run_ids = list(
            connection.execute(select(t.flow_runs.c.id).order_by(t.flow_runs.c.created)).scalars()
        )
        connection.execute(
            update(t.flow_runs).where(t.flow_runs.c.id.in_(run_ids[::100])).values(tags=["urgente"])
        )
    in_newest = min(2_000, logs)
    for start in range(0, logs, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, logs)):
            owner = newest if n < in_newest else run_ids[n % len(run_ids)]
            rows.append(
                {
                    "flow_run_id": owner,
                    "task_run_id": None,
                    "name": "cauce.flow_runs",
                    "level": (10, 20, 20, 20, 30, 40)[n % 6],
                    "message": f"línea {n}: procesado el lote {n % 97}",
                    "timestamp": now - timedelta(seconds=logs - n),
                    "uid": uuid.uuid4(),
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(t.logs), rows)
    with engine.begin() as connection:
        connection.execute(
            insert(t.variables),
            [
                {
                    "id": uuid.uuid4(),
                    "name": f"variable_{n:03d}",
                    "value": {"n": n},
                    "tags": ["bench"],
                    "created": now,
                    "updated": now,
                }
                for n in range(500)
            ],
        )
        connection.execute(
            insert(t.artifacts),
            [
                {
                    "id": uuid.uuid4(),
                    "key": f"informe-{n % 200}",
                    "type": "markdown",
                    "data": f"# Informe {n}",
                    "description": None,
                    "flow_run_id": run_ids[-1 - n % len(run_ids)],
                    "task_run_id": None,
                    "created": now - timedelta(seconds=10_000 - n),
                    "updated": now - timedelta(seconds=10_000 - n),
                }
                for n in range(10_000)
            ],
        )
        connection.execute(
            insert(t.concurrency_limits),
            [
                {
                    "id": uuid.uuid4(),
                    "name": f"limite-{n:03d}",
                    "limit": 10,
                    "active": True,
                    "active_slots": 0.0,
                    "slots_at": now.timestamp(),
                    "slot_decay_per_second": 0.0,
                    "created": now,
                    "updated": now,
                }
                for n in range(100)
            ],
        )
        pools = list(connection.execute(select(t.work_pools.c.id)).scalars())
        connection.execute(
            insert(t.workers),
            [
                {
                    "id": uuid.uuid4(),
                    "work_pool_id": pools[n % len(pools)],
                    "name": f"trabajador-{n}",
                    "host": "bench",
                    "pid": 1000 + n,
                    "started": now,
                    "last_heartbeat": now,
                    "stopped": None,
                }
                for n in range(20)
            ],
        )
    engine.dispose()


def _seeded(home: Path, options: argparse.Namespace) -> tuple[uuid.UUID, float]:
    """The run with 50 task runs of `home`'s seeded database (seeding it unless it was,
    with these sizes) and how long seeding took (0 when reused)."""
    wanted = {"flow_runs": options.flow_runs, "task_runs": options.task_runs, "logs": options.logs}
    mark = home / SEEDED_MARK
    if mark.exists():
        done = json.loads(mark.read_text())
        if done["sizes"] == wanted:
            return uuid.UUID(done["newest"]), 0.0
    (home / "cauce.db").unlink(missing_ok=True)
    env = server_env(CAUCE, home, None)
    cauce = [sys.executable, "-m", "cauce.cli.main"]
    subprocess.run([*cauce, "server", "database", "upgrade"], env=env, check=True)
    began = time.perf_counter()
    newest = seed(home, options.flow_runs, options.task_runs)
    _seed_extras(home, newest, options.logs)
    mark.write_text(json.dumps({"sizes": wanted, "newest": str(newest)}))
    return newest, round(time.perf_counter() - began, 1)


def _row_counts(url: str) -> tuple[int, ...]:
    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    from cauce.database import tables as t
    from cauce.database.connections import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (t.flow_runs, t.task_runs, t.logs, t.artifacts)
            )
    except DBAPIError:  # no tables yet: not a copy
        return ()
    finally:
        engine.dispose()


def _copied(url: str, database: Path) -> float:
    """Copy the seeded SQLite rows into `url` unless it holds as many; seconds taken."""
    if _row_counts(url) == _row_counts(f"sqlite:///{database}"):
        return 0.0
    began = time.perf_counter()
    _copy_to(url, database)
    return round(time.perf_counter() - began, 1)


@contextmanager
def _server(home: Path, database_url: str | None) -> Iterator[tuple[str, dict[str, str]]]:
    """`cauce server start` on the seeded database: its base URL and a client's env."""
    port = free_port()
    env = server_env(CAUCE, home, database_url)
    server = subprocess.Popen(
        server_command(CAUCE, sys.executable, port),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base + "/api/health", 120)
        yield base, {**env, "CAUCE_API_URL": base + "/api"}
    finally:
        server.terminate()
        try:
            server.wait(30)
        finally:
            kill_group(server.pid)


def _settle(client: httpx.Client, seconds: float = 30) -> None:
    """Wait out the scheduler's first pass (it makes the 50 deployments' next runs), so
    that its writes do not land in the figures."""
    body = {"state_types": ["SCHEDULED"], "limit": 1000}
    seen, deadline = -1, time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = len(client.post("/api/flow_runs/filter", json=body).raise_for_status().json())
        if count == seen:
            return
        seen = count
        time.sleep(1)


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
    }


def _time_route(
    client: httpx.Client, method: str, path: str, body: Any, requests: int
) -> dict[str, float]:
    """p50/p95 in ms of `requests` calls of one route, after an untimed one."""
    client.request(method, path, json=body).raise_for_status()
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.request(method, path, json=body)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return _percentiles(times)


def _cursor_at(client: httpx.Client, offset: int) -> list[str]:
    """The keyset cursor (created, id) of the run just before the one at `offset`."""
    body = {"offset": offset - 1, "limit": 1}
    run = client.post("/api/flow_runs/filter", json=body).raise_for_status().json()[0]
    return [run["created"], run["id"]]


def _routes(client: httpx.Client, newest: str, runs: int) -> dict[str, tuple[str, str, Any]]:
    """Each list route as (method, path, body), named, on a history of `runs` flow runs."""
    deep = runs // 2
    newest_run = client.get(f"/api/flow_runs/{newest}").raise_for_status().json()
    old_run = client.post("/api/flow_runs/filter", json={"offset": deep, "limit": 1}).json()[0]
    task_run = client.get(f"/api/flow_runs/{newest}/task_runs").json()[0]
    filter_ = "/api/flow_runs/filter"
    return {
        "flow_runs": ("POST", filter_, {}),
        "flow_runs_offset": ("POST", filter_, {"offset": deep}),
        "flow_runs_keyset": ("POST", filter_, {"before": _cursor_at(client, deep)}),
        "flow_runs_failed": ("POST", filter_, {"state_types": ["FAILED"]}),
        "flow_runs_of_a_flow": ("POST", filter_, {"flow_name": "flujo-7"}),
        "flow_runs_of_a_deployment": (
            "POST",
            filter_,
            {"deployment_id": newest_run["deployment_id"]},
        ),
        "flow_runs_tag": ("POST", filter_, {"tag": "etl"}),
        "flow_runs_rare_tag": ("POST", filter_, {"tag": "urgente"}),
        "flow_runs_by_name_last": (
            "POST",
            filter_,
            {"flow_name": "flujo-7", "sort": "NAME_DESC", "offset": max(runs // 20 - 50, 0)},
        ),
        "task_runs": ("GET", f"/api/flow_runs/{newest}/task_runs", None),
        "task_runs_old_run": ("GET", f"/api/flow_runs/{old_run['id']}/task_runs", None),
        "subflow_runs": ("GET", f"/api/flow_runs/{newest}/subflow_runs", None),
        "flow_run_states": ("GET", f"/api/flow_runs/{newest}/states", None),
        "task_run_states": ("GET", f"/api/task_runs/{task_run['id']}/states", None),
        "logs": ("GET", f"/api/flow_runs/{newest}/logs", None),
        "logs_warnings": ("GET", f"/api/flow_runs/{newest}/logs?min_level=30", None),
        "logs_old_run": ("GET", f"/api/flow_runs/{old_run['id']}/logs", None),
        "deployments": ("GET", "/api/deployments", None),
        "flows": ("GET", "/api/flows", None),
        "work_pools": ("GET", "/api/work_pools", None),
        "workers": ("GET", "/api/workers", None),
        "variables": ("POST", "/api/variables/filter", {"limit": 200}),
        "artifacts": ("POST", "/api/artifacts/filter", {"limit": 50}),
        "artifacts_latest": ("POST", "/api/artifacts/latest/filter", {"limit": 50}),
        "concurrency_limits": ("POST", "/api/v2/concurrency_limits/filter", {}),
    }


def _cli_commands(newest: str) -> dict[str, list[str]]:
    return {
        "version": ["version"],
        "flow_run_ls": ["flow-run", "ls"],
        "flow_run_ls_failed": ["flow-run", "ls", "--state", "FAILED"],
        "flow_run_logs": ["flow-run", "logs", newest],
        "deployment_ls": ["deployment", "ls"],
        "flow_ls": ["flow", "ls"],
        "work_pool_ls": ["work-pool", "ls"],
        "worker_ls": ["worker", "ls"],
        "variable_ls": ["variable", "ls"],
        "artifact_ls": ["artifact", "ls"],
        "gcl_ls": ["gcl", "ls"],
    }


def _time_cli(env: dict[str, str], args: list[str], runs: int) -> dict[str, float]:
    command = [str(Path(sys.executable).parent / "cauce"), *args]
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        times.append((time.perf_counter() - began) * 1000)
    return _percentiles(times)


def _measure(
    home: Path, options: argparse.Namespace, newest: uuid.UUID
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """p50/p95 of each route, and of each CLI listing."""
    with _server(home, options.database_url) as (base, env):
        with httpx.Client(base_url=base, timeout=120) as client:
            _settle(client)
            routes = _routes(client, str(newest), options.flow_runs)
            measured = {
                name: _time_route(client, method, path, body, options.requests)
                for name, (method, path, body) in routes.items()
                if not options.only or name in options.only
            }
        cli = {
            name: _time_cli(env, args, options.cli_runs)
            for name, args in _cli_commands(str(newest)).items()
            if options.cli_runs and (not options.only or name in options.only)
        }
    return measured, cli


def _print_table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(f"{title:<28} {'p50 ms':>8} {'p95 ms':>8}", file=sys.stderr)
    for name, figures in rows.items():
        print(f"{name:<28} {figures['p50_ms']:>8} {figures['p95_ms']:>8}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow-runs", type=int, default=100_000)
    parser.add_argument("--task-runs", type=int, default=1_000_000)
    parser.add_argument("--logs", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--cli-runs", type=int, default=10, help="0 leaves the CLI out")
    parser.add_argument("--database-url", help="a PostgreSQL database to serve from instead")
    parser.add_argument("--home", type=Path, help="keep (and reuse) the seeded database here")
    parser.add_argument("--only", nargs="*", help="measure only these routes / CLI listings")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cauce-lists-bench-") as folder:
        home = options.home or Path(folder)
        home.mkdir(parents=True, exist_ok=True)
        newest, seed_s = _seeded(home, options)
        figures: dict[str, Any] = {"figure": "list_routes", "framework": "cauce", "seed_s": seed_s}
        if options.database_url:
            figures["copy_s"] = _copied(options.database_url, home / "cauce.db")
        routes, cli = _measure(home, options, newest)
    _print_table("route", routes)
    _print_table("CLI listing", {f"cauce {name}": row for name, row in cli.items()})
    for prefix, rows in (("", routes), ("cli_", cli)):
        for name, row in rows.items():
            for key, value in row.items():
                figures[f"{prefix}{name}_{key}"] = value
    if routes:
        worst = max(routes, key=lambda name: routes[name]["p95_ms"])
        figures["worst_route"], figures["worst_p95_ms"] = worst, routes[worst]["p95_ms"]
        print(f"worst p95: {worst} {figures['worst_p95_ms']} ms", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
