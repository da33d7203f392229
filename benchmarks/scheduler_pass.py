"""Figure: the scheduler's pass over 1,000 deployments, each with its own cron schedule.

The -n deployments (1,000) belong to one flow and one pool; deployment i runs at
minute i % 60 of three hours a day that also vary with i (`M H,H+7,H+13 * * *`,
H = i // 60), in America/Argentina/Buenos_Aires, so no two schedules are alike.
Nothing schedules them before the pass timed.

- cauce (`method: in_process_pass`): in the embedded SQLite store of a fresh
  CAUCE_HOME, the deployments and schedules are inserted through the queries
  (`insert_deployment` / `insert_schedules`, no run made), then
  `schedule_upcoming_runs` runs in-process, each pass in its own write
  transaction: `first_pass_s` makes every upcoming run (`runs_made`), then
  `idle_pass_ms` is the median of --idle-passes passes right after (min, max).
- Prefect (`method: in_process_pass`): on a fresh `prefect server start` with
  PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false, the deployments are created
  through its sync client (`setup_s`); the server is stopped and one pass of its
  scheduler service (`schedule_deployments`, what the server runs every loop) is
  timed in-process on that server's prefect.db, then the idle passes.

`runs_made`: runs the first pass made. Each framework keeps its own horizon
(cauce: the runs of the next 24 hours, at least 3 and at most 100 per schedule;
Prefect's defaults: the fewest that are at least 3 and reach an hour ahead);
for these three-a-day schedules both make 3 per deployment, 3,000 in all.
`first_pass_per_run_us` divides the first pass by them. `setup_s` is the
untimed part that made the deployments.
"""

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload
from _server import running_server

TIMEZONE = "America/Argentina/Buenos_Aires"
PASS_TIMEOUT_S = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=1000, help="deployments (default 1000)")
    parser.add_argument(
        "--idle-passes", type=int, default=5, help="idle passes after the first (default 5)"
    )


def crons(n: int) -> list[str]:
    """One cron per deployment: minute i % 60 of three hours set by i // 60."""
    found = []
    for i in range(n):
        hour = (i // 60) % 24
        found.append(f"{i % 60} {hour},{(hour + 7) % 24},{(hour + 13) % 24} * * *")
    return found


def per_run_us(figures: dict[str, Any]) -> float | None:
    made = figures.get("runs_made") or 0
    return figures["first_pass_s"] / made * 1e6 if made else None


def measure(options: Options) -> dict[str, Any]:
    args = options.args
    env = {
        "BENCH_N": str(args.n),
        "BENCH_CRONS": json.dumps(crons(args.n)),
        "BENCH_TIMEZONE": TIMEZONE,
        "BENCH_IDLE_PASSES": str(args.idle_passes),
    }
    params = {"n": args.n, "idle_passes": args.idle_passes, "timezone": TIMEZONE}
    if options.framework.name == "cauce":
        run = run_workload("scheduler_pass_cauce.py", options, env=env, timeout_s=PASS_TIMEOUT_S)
        figures = {**run.result, "method": "in_process_pass"}
    else:
        figures = measure_prefect(options, env)
    figures["first_pass_per_run_us"] = per_run_us(figures)
    return round_figures({**figures, "params": params})


def measure_prefect(options: Options, env: dict[str, str]) -> dict[str, Any]:
    scheduler_off = {"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as tmp:
        home = Path(tmp) / "home"
        with running_server(
            options.framework, options.python, home, settings=scheduler_off
        ) as server:
            created = run_workload(
                "scheduler_pass_prefect_create.py",
                options,
                env={**env, "PREFECT_API_URL": server.api_url},
                timeout_s=PASS_TIMEOUT_S,
            )
        passes = run_workload(
            "scheduler_pass_prefect.py", options, home=home, env=env, timeout_s=PASS_TIMEOUT_S
        )
    return {**passes.result, "setup_s": created.result["setup_s"], "method": "in_process_pass"}


if __name__ == "__main__":
    bench_main("scheduler_pass", __doc__ or "", measure, add_arguments)
