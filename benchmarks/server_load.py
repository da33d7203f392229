"""Figures: requests per second on `cauce server start` / `prefect server start`,
the cost of a task run recorded on the server, and the server's memory after.

On one server (fresh home, its default SQLite database, or --database-url):
- `create_1` / `create_8`: -n POSTs creating a Pending flow run, over 1 and
  over 8 concurrent keep-alive connections; `_req_per_s` (successful requests
  per second of the whole load), `_errors` (non-2xx or no response; none is
  retried), `_503` (Prefect's answer when SQLite is busy).
- `set_state_1` / `set_state_8`: -n POSTs moving one of those runs to Running.
- `per_task_us`, `persist_lag_s`: the 1,000-task flow of sequential_tasks.py
  run as a script with CAUCE_API_URL / PREFECT_API_URL pointing at the server
  (lag polled in the server's SQLite file; not measured on PostgreSQL, where
  `task_runs_recorded` counts them right after the script exits).
- `idle_rss_mb`, `after_load_rss_mb`: the server's process tree before and
  after all of the above.

`--workers N` starts the server in N processes (`server start --workers N`),
which both cauce and Prefect allow on PostgreSQL.
"""

import argparse
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload
from _server import RunningServer, ServerApi, load, running_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=1000, help="requests per figure (default 1000)")
    parser.add_argument("--tasks", type=int, default=1000, help="task runs (default 1000)")
    parser.add_argument(
        "--database-url",
        help="postgresql://... for the server's database instead of its SQLite default "
        "(emptied first)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (`server start --workers N`; PostgreSQL only) (default 1)",
    )


def measure(options: Options) -> dict[str, Any]:
    args = options.args
    database_url = args.database_url
    if database_url:
        recreate_postgres_database(database_url)
    with running_server(options.framework, options.python):
        pass  # bytecode caches
    with running_server(
        options.framework, options.python, database_url=database_url, processes=args.workers
    ) as server:
        figures: dict[str, Any] = {"idle_rss_mb": server.rss_mb()}
        api = ServerApi(options.framework)
        api.prepare(server.api_url)
        for clients in (1, 8):
            requests = [api.create_flow_run(i) for i in range(args.n)]
            created = load(server.api_url, requests, clients, keep_bodies=True)
            figures.update(created.figures(f"create_{clients}"))
            run_ids = [api.created_id(body) for body in created.bodies if body]
            moved = load(server.api_url, [api.set_running(r) for r in run_ids], clients)
            figures.update(moved.figures(f"set_state_{clients}"))
        figures.update(per_task_on_server(options, server, database_url))
        figures["after_load_rss_mb"] = server.rss_mb()
    figures["params"] = {
        "n": args.n,
        "tasks": args.tasks,
        "database": database_url or "sqlite",
        "workers": args.workers,
    }
    return round_figures(figures)


def per_task_on_server(
    options: Options, server: RunningServer, database_url: str | None
) -> dict[str, Any]:
    """The sequential-task workload recording on `server`."""
    framework = options.framework.name
    env = {
        "BENCH_N": str(options.args.tasks),
        f"{framework.upper()}_API_URL": server.api_url,
        "BENCH_DB_PATH": str(server.sqlite_path),
    }
    if database_url:
        del env["BENCH_DB_PATH"]
    run = run_workload("sequential_tasks.py", options, env=env)
    figures = {
        key: run.result[key] for key in ("per_task_us", "persist_lag_s", "per_task_total_us")
    }
    if database_url:
        figures["task_runs_recorded"] = count_postgres_task_runs(database_url, framework)
    return figures


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named in `url` (on the same server)."""
    import psycopg

    server_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def count_postgres_task_runs(url: str, framework: str) -> int:
    """Completed task runs in the server's PostgreSQL database."""
    import psycopg

    table, column = (
        ("task_runs", "state_type") if framework == "cauce" else ("task_run", "state_type")
    )
    with psycopg.connect(url) as connection:
        row = connection.execute(
            f"SELECT count(*) FROM {table} WHERE {column} = 'COMPLETED'"
        ).fetchone()
    return int(row[0]) if row else 0


if __name__ == "__main__":
    bench_main("server_load", __doc__ or "", measure, add_arguments)
