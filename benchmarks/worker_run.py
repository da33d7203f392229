"""Figures: a worker on a pool running the guide's deployment's runs as they are asked for.

On the framework's server (`cauce server start` / `prefect server start`, fresh
home; the pool `compras-prod` and the guide's deployment of `basic.py:basic_flow`,
a flow with one task that prints a line, made first with deploy_command.py's
commands), one worker is started as a user starts it: `cauce worker start --pool
compras-prod` / `prefect worker start --pool compras-prod --type process`, the
script beside --python, as a process of its own with the API URL at the server
and Prefect's defaults (it asks its pool for runs every
PREFECT_WORKER_QUERY_SECONDS, 10 s by default). One run is made and awaited,
untimed (the worker is then started and idle), then:

- `idle_cpu_pct`, `idle_rss_mb`: the worker's process tree, idle for 5 s: CPU
  time (user + system, /proc) over the next 10 s as a percentage of one core,
  and its resident memory at the end.
- `to_running_s` (`_min_`, `_max_`): from just before the client's
  `create_flow_run_from_deployment(id)` (in-process, as deployment_run.py's
  `api_call_ms`) to the first poll that reads the run Running: one poll every
  20 ms (`read_flow_run` through the same client, same thread). Median of --runs
  runs (10) made one after another, each awaited until final.
- `to_completed_s` (`_p95_`, `_min_`, `_max_`): the same, to the first poll that
  reads the run Completed.
- `to_running_store_s`: the same, to the timestamp the store gives the run's
  Running state (a check on the poll; median).
- with `--prefect-fast-poll` (Prefect only): `fast_poll_to_running_s` and
  `fast_poll_to_completed_s` (median, min, max) again, with a second worker
  started with PREFECT_WORKER_QUERY_SECONDS=1 in place of the first.
- with `--throughput N`: `throughput_runs_per_s`: 4 fresh workers on the pool
  (in place of the first), each started with `--limit` --throughput-limit (4: at
  most 4 runs at once each, so 2 cores are not asked for 400 processes), N runs
  (e.g. 400) made back to back through the client, from just before the first is made
  until a poll (every 20 ms) counts all N Completed: N / that time.
  `throughput_checks` says how many ended Completed and how many runs have more
  than one Running state in their history (a run executed twice would).

`checks`: every timed run ended Completed with exactly one Running state in its
history, and how many times the poll missed Running (it ran between two polls;
its `to_running_s` is then the poll that saw it past Running).

Every process started here (server, workers, the client script) has its own
process group and is killed with it on the way out, whatever the way out.
"""

import argparse
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from _deployments import (
    POOL,
    cli_env,
    create_pool_args,
    deploy_args,
    deployment_run_args,
    flow_run_state_type,
    run_cli,
    write_project,
)
from _harness import (
    Framework,
    Options,
    WorkloadError,
    bench_main,
    kill_group,
    round_figures,
    run_workload,
)
from _server import running_server, tree_rss_mb

IDLE_SETTLE_S = 5.0
IDLE_MEASURE_S = 10.0
WARM_UP_TIMEOUT_S = 300.0
STOP_GRACE_S = 20.0
THROUGHPUT_WORKERS = 4
_PRINTED_ID = re.compile(r"\b(?:UUID|ID): ([0-9a-f-]{36})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=10, help="timed runs (default 10)")
    parser.add_argument(
        "--throughput",
        type=int,
        default=0,
        metavar="N",
        help=f"also make N runs at once for {THROUGHPUT_WORKERS} workers (e.g. 400; default off)",
    )
    parser.add_argument(
        "--throughput-limit",
        type=int,
        default=4,
        metavar="L",
        help="each throughput worker runs at most L runs at once (--limit; default 4)",
    )
    parser.add_argument(
        "--prefect-fast-poll",
        action="store_true",
        help="Prefect: time the runs again with PREFECT_WORKER_QUERY_SECONDS=1",
    )


def worker_command(
    framework: Framework, python: str, name: str, limit: int | None = None
) -> list[str]:
    """`cauce worker start --pool P` / `prefect worker start --pool P --type process`."""
    command = [str(Path(python).parent / framework.name), "worker", "start", "--pool", POOL]
    if framework.name == "prefect":
        command += ["--type", "process"]
    if limit is not None:
        command += ["--limit", str(limit)]
    return [*command, "--name", name]


@contextmanager
def running_worker(
    framework: Framework,
    python: str,
    name: str,
    cwd: Path,
    env: Mapping[str, str],
    limit: int | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process in a group of its own, its output in cwd/NAME.log, once it has
    said it started; on exit SIGTERM to the group, then SIGKILL to what is left of it."""
    log_path = cwd / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            worker_command(framework, python, name, limit),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_start(process, log_path)
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(STOP_GRACE_S)
        except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
            pass
        kill_group(process.pid)
        process.wait()


def wait_for_start(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until the worker's output says it started (both print "... started")."""
    deadline = time.perf_counter() + WARM_UP_TIMEOUT_S
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise WorkloadError(f"the worker exited with {process.returncode}:\n{tail}")
        if "started" in log_path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise WorkloadError(f"the worker did not say it started within {WARM_UP_TIMEOUT_S:.0f} s")


def warm_up(framework: Framework, python: str, project: Path, env: dict[str, str]) -> float:
    """`deployment run` from the CLI, then wait for the worker to complete it; seconds."""
    started = time.perf_counter()
    run = run_cli(framework, python, deployment_run_args(), project, env)
    printed = _PRINTED_ID.search(run.stdout + run.stderr)
    if printed is None:
        raise WorkloadError(f"no flow-run id in the output:\n{run.stdout}{run.stderr}")
    api_url = env[f"{framework.name.upper()}_API_URL"]
    while time.perf_counter() - started < WARM_UP_TIMEOUT_S:
        state = flow_run_state_type(api_url, printed.group(1))
        if state == "COMPLETED":
            return time.perf_counter() - started
        if state in ("FAILED", "CRASHED", "CANCELLED"):
            raise WorkloadError(f"the warm-up run ended {state}")
        time.sleep(0.1)
    raise WorkloadError(f"the warm-up run was not Completed within {WARM_UP_TIMEOUT_S:.0f} s")


def tree_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of `pid` and each live descendant, by pid (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, pending = {}, [pid]
    while pending:
        current = pending.pop()
        if current in cpu:
            tree[current] = cpu[current]
        pending.extend(child for child, parent in parents.items() if parent == current)
    return tree


def measure_idle(pid: int) -> dict[str, Any]:
    """The worker tree's CPU % of one core over IDLE_MEASURE_S, after IDLE_SETTLE_S."""
    time.sleep(IDLE_SETTLE_S)
    before = tree_cpu_s(pid)
    started = time.perf_counter()
    time.sleep(IDLE_MEASURE_S)
    after = tree_cpu_s(pid)
    elapsed = time.perf_counter() - started
    used = sum(after[p] - before.get(p, 0.0) for p in after)
    return {
        "idle_cpu_pct": used / elapsed * 100,
        "idle_rss_mb": tree_rss_mb(pid),
        "idle_processes": len(after),
    }


def timed_runs(options: Options, api_env: dict[str, str], runs: int, prefix: str) -> dict[str, Any]:
    """The client script's `latency` mode: the run figures under `prefix`, and checks."""
    env = {**api_env, "BENCH_N": str(runs), "BENCH_MODE": "latency"}
    result = run_workload(f"worker_run_{options.framework.name}.py", options, env=env).result
    records = result["runs"]
    running = [r["to_running_s"] for r in records]
    completed = [r["to_completed_s"] for r in records]
    store = [r["running_at"] - r["created_at"] for r in records if r["running_at"] is not None]
    return {
        f"{prefix}to_running_s": statistics.median(running),
        f"{prefix}to_running_min_s": min(running),
        f"{prefix}to_running_max_s": max(running),
        f"{prefix}to_completed_s": statistics.median(completed),
        f"{prefix}to_completed_p95_s": percentile(completed, 95),
        f"{prefix}to_completed_min_s": min(completed),
        f"{prefix}to_completed_max_s": max(completed),
        f"{prefix}to_running_store_s": statistics.median(store) if store else None,
        f"{prefix}create_call_ms": statistics.median(r["create_s"] for r in records) * 1e3,
        f"{prefix}checks": {
            "runs": len(records),
            "completed": sum(r["final_state"] == "COMPLETED" for r in records),
            "one_running_state": sum(r["running_states"] == 1 for r in records),
            "running_missed_by_poll": sum(not r["running_seen"] for r in records),
        },
    }


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (p95 of 10 values is the largest but none)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def throughput(options: Options, api_env: dict[str, str], n: int) -> dict[str, Any]:
    """The client script's `throughput` mode: runs per second, and checks."""
    env = {**api_env, "BENCH_N": str(n), "BENCH_MODE": "throughput"}
    result = run_workload(f"worker_run_{options.framework.name}.py", options, env=env).result
    histories = result["histories"]
    return {
        "throughput_runs_per_s": result["completed"] / result["wall_s"],
        "throughput_wall_s": result["wall_s"],
        "throughput_create_all_s": result["create_all_s"],
        "throughput_checks": {
            "runs": n,
            "workers": THROUGHPUT_WORKERS,
            "completed": result["completed"],
            "more_than_one_running_state": sum(h["running_states"] > 1 for h in histories),
            "no_running_state": sum(h["running_states"] == 0 for h in histories),
        },
    }


def _raise_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt("SIGTERM")


def measure(options: Options) -> dict[str, Any]:
    # SIGTERM unwinds like Ctrl-C, so every `finally` below stops what it started; and
    # Ctrl-C does so even if this process was started with SIGINT ignored (`cmd &`).
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    framework, python, args = options.framework, options.python, options.args
    with running_server(framework, python):
        pass  # bytecode caches
    with (
        running_server(framework, python) as server,
        tempfile.TemporaryDirectory(prefix="bench-worker-run-") as tmp,
        ExitStack() as workers,
    ):
        root = Path(tmp)
        env = cli_env(framework, server.api_url, root / "client-home")
        project = write_project(root / "project", framework)
        run_cli(framework, python, create_pool_args(framework), root, env)
        run_cli(framework, python, deploy_args(framework), project, env)
        api_env = {f"{framework.name.upper()}_API_URL": server.api_url}
        figures: dict[str, Any] = {}

        worker = workers.enter_context(running_worker(framework, python, "w1", root, env))
        figures["warm_up_s"] = warm_up(framework, python, project, env)
        figures.update(measure_idle(worker.pid))
        figures.update(timed_runs(options, api_env, args.runs, ""))

        if framework.name == "prefect" and args.prefect_fast_poll:
            workers.close()
            fast_env = {**env, "PREFECT_WORKER_QUERY_SECONDS": "1"}
            workers.enter_context(running_worker(framework, python, "w1-fast", root, fast_env))
            warm_up(framework, python, project, env)
            figures.update(timed_runs(options, api_env, args.runs, "fast_poll_"))

        if args.throughput:
            workers.close()
            for i in range(1, THROUGHPUT_WORKERS + 1):
                name, limit = f"t{i}", args.throughput_limit
                workers.enter_context(running_worker(framework, python, name, root, env, limit))
            figures.update(throughput(options, api_env, args.throughput))

    return round_figures(
        {
            **figures,
            "params": {
                "runs": args.runs,
                "throughput": args.throughput,
                "throughput_limit": args.throughput_limit,
                "poll_interval_s": 0.02,
                "prefect_fast_poll": args.prefect_fast_poll,
            },
        }
    )


if __name__ == "__main__":
    try:
        bench_main("worker_run", __doc__ or "", measure, add_arguments)
    except KeyboardInterrupt:
        sys.exit(130)
