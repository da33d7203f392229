"""Figure: one non-interactive deploy of the guide's basic.py flow, as a fresh process.

With the framework's server up (`cauce server start` / `prefect server start`,
fresh home) and the pool made first (`work-pool create compras-prod`), each run
makes a fresh project folder holding basic.py and times, from spawning it to its
exit, the guide's deploy with every answer as a flag:

    cauce deploy basic.py:basic_flow --name printear-mensaje --pool compras-prod \
        --cron "30 1,13,17 * * *" --timezone America/Argentina/Buenos_Aires --no-prompt
    prefect --no-prompt deploy basic.py:basic_flow -n printear-mensaje -p compras-prod \
        --cron "30 1,13,17 * * *" --timezone America/Argentina/Buenos_Aires

with CAUCE_API_URL / PREFECT_API_URL at the server and a fresh client home.
Prefect runs without a prefect.yaml (it says so and goes on). The deployment is
deleted (untimed) before each run, so every timed deploy creates it, as a first
deploy does. `deploy_s`: median of --runs, with `deploy_min_s` / `deploy_max_s`;
`first_deploy_s`: a deploy before those (the server's first), not in them.
`checks.schedule_ok`: after every run the server has the deployment with the cron
and zone given.
"""

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _deployments import (
    CRON,
    TIMEZONE,
    cli_env,
    create_pool_args,
    delete_deployment,
    deploy_args,
    read_deployment,
    run_cli,
    write_project,
)
from _harness import Options, bench_main, round_figures
from _server import running_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5, help="timed deploys (default 5)")


def schedules_of(deployment: dict[str, Any] | None) -> list[tuple[str | None, str | None]]:
    """(cron, timezone) of each schedule; cauce nests neither, Prefect nests both."""
    if deployment is None:
        return []
    found = []
    for schedule in deployment.get("schedules") or []:
        inner = schedule.get("schedule") or schedule
        found.append((inner.get("cron"), inner.get("timezone")))
    return found


def measure(options: Options) -> dict[str, Any]:
    framework, python = options.framework, options.python
    with running_server(framework, python):
        pass  # bytecode caches
    walls: list[float] = []
    schedule_ok = True
    with (
        running_server(framework, python) as server,
        tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp,
    ):
        root = Path(tmp)
        env = cli_env(framework, server.api_url, root / "client-home")
        run_cli(framework, python, create_pool_args(framework), root, env)
        first = run_cli(
            framework, python, deploy_args(framework), write_project(root / "p0", framework), env
        )
        for i in range(1, options.args.runs + 1):
            delete_deployment(server.api_url)
            project = write_project(root / f"p{i}", framework)
            walls.append(run_cli(framework, python, deploy_args(framework), project, env).wall_s)
            schedule_ok = schedule_ok and schedules_of(read_deployment(server.api_url)) == [
                (CRON, TIMEZONE)
            ]
    return round_figures(
        {
            "deploy_s": statistics.median(walls),
            "deploy_min_s": min(walls),
            "deploy_max_s": max(walls),
            "first_deploy_s": first.wall_s,
            "checks": {"schedule_ok": schedule_ok},
            "params": {"runs": options.args.runs, "command": " ".join(deploy_args(framework))},
        }
    )


if __name__ == "__main__":
    bench_main("deploy_command", __doc__ or "", measure, add_arguments)
