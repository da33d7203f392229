"""Figures: a run of a deployment asked for by hand, until it is Scheduled in the store.

On the framework's server (fresh home; the pool and the guide's deployment made
first, untimed, with deploy_command.py's commands):

- `cli_s`: `cauce deployment run basic-flow/printear-mensaje` /
  `prefect deployment run 'basic-flow/printear-mensaje'` as a fresh process
  (CAUCE_API_URL / PREFECT_API_URL at the server, a fresh client home), from
  spawning it to its exit; median of --runs, with `cli_min_s` / `cli_max_s`.
- `api_call_ms`: the API call alone, in-process through the framework's client
  (cauce's `get_client().create_flow_run_from_deployment(id)`, Prefect's
  `get_client(sync_client=True).create_flow_run_from_deployment(id)`): median of
  -n calls (50) one after another, after one untimed call; min and max too.

`checks`: every run made (the id each command printed, each call returned) is
read back from the server and is of state type SCHEDULED.
"""

import argparse
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _deployments import (
    cli_env,
    create_pool_args,
    deploy_args,
    deployment_run_args,
    flow_run_state_type,
    run_cli,
    write_project,
)
from _harness import Options, WorkloadError, bench_main, round_figures, run_workload
from _server import running_server

_PRINTED_ID = re.compile(r"\b(?:UUID|ID): ([0-9a-f-]{36})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5, help="CLI processes (default 5)")
    parser.add_argument("-n", type=int, default=50, help="timed API calls (default 50)")


def measure(options: Options) -> dict[str, Any]:
    framework, python, args = options.framework, options.python, options.args
    with running_server(framework, python):
        pass  # bytecode caches
    with (
        running_server(framework, python) as server,
        tempfile.TemporaryDirectory(prefix="bench-deployment-run-") as tmp,
    ):
        root = Path(tmp)
        env = cli_env(framework, server.api_url, root / "client-home")
        project = write_project(root / "project", framework)
        run_cli(framework, python, create_pool_args(framework), root, env)
        run_cli(framework, python, deploy_args(framework), project, env)

        walls, cli_ids = [], []
        for _ in range(args.runs):
            run = run_cli(framework, python, deployment_run_args(), project, env)
            walls.append(run.wall_s)
            printed = _PRINTED_ID.search(run.stdout + run.stderr)
            if printed is None:
                raise WorkloadError(f"no flow-run id in the output:\n{run.stdout}{run.stderr}")
            cli_ids.append(printed.group(1))

        api_url_env = {f"{framework.name.upper()}_API_URL": server.api_url, "BENCH_N": str(args.n)}
        api = run_workload(f"deployment_run_api_{framework.name}.py", options, env=api_url_env)
        api_ids = api.result.pop("flow_run_ids")
        stored = [flow_run_state_type(server.api_url, i) for i in (*cli_ids, *api_ids)]
    return round_figures(
        {
            "cli_s": statistics.median(walls),
            "cli_min_s": min(walls),
            "cli_max_s": max(walls),
            **{k: v for k, v in api.result.items() if k != "returned_state_types"},
            "checks": {
                "runs_scheduled_in_store": stored.count("SCHEDULED"),
                "runs_expected": len(cli_ids) + len(api_ids),
                "returned_state_types": api.result["returned_state_types"],
            },
            "params": {"runs": args.runs, "n": args.n},
        }
    )


if __name__ == "__main__":
    bench_main("deployment_run", __doc__ or "", measure, add_arguments)
