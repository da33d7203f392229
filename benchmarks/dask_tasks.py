"""Figures: a DaskTaskRunner against Dask alone, on a LocalCluster of 2 worker processes
with 2 threads each (4 threads in all): cauce's (`--framework cauce`, the default,
in this process) or prefect-dask's (`--framework prefect`: workloads/dask_tasks_prefect.py
under Prefect's interpreter, recording on a `prefect server start` of its own, which
the Dask workers reach through PREFECT_API_URL). Both print the same keys.

`sleep_map`: a flow `.map`s `--sleep-tasks` (1,000) tasks sleeping 50 ms each, then
reads every result; `flow_wall_s` includes starting and closing the runner's cluster,
`map_wall_s` is from the `.map` call to the last result (`dask_map_wall_s`: the same
with `client.map` alone, on a cluster of its own). `recorded_at_return`: task runs
COMPLETED in the store when the flow returned; `all_recorded_s`: from then until all
were (`recorded`: the count then; polled, 120 s limit).

`trivial`: `--trivial-tasks` (2,000) tasks returning their argument, on one cluster
already up: `trivial_dask_us` per task for `client.map` + `client.gather` alone,
`trivial_us` per task for a flow's `.map(...).result()` with DaskTaskRunner(address=...)
(flow overhead included), `trivial_ratio` the two's ratio; for Prefect,
`trivial_all_recorded_s` waits after each flow until its runs are all COMPLETED in
prefect.db, and `trivial_total_us` / `trivial_total_ratio` count that wait in (cauce's
flow returns with its records written). The median of `--repeats` (3) rounds each.

Both frameworks log at WARNING: 1,000 runs' lines on the terminal cost. cauce's store
is a fresh SQLite file under a temporary CAUCE_HOME; needs `pip install "cauce[dask]"`
(Prefect: prefect-dask beside Prefect). One JSON line on stdout.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload
from _server import running_server

CLUSTER = {"n_workers": 2, "threads_per_worker": 2, "processes": True, "dashboard_address": None}
RECORD_TIMEOUT_S = 120.0


def identity(x: int) -> int:
    return x


def nap(x: int) -> int:
    time.sleep(0.05)
    return x


def sleep_map(n: int) -> dict[str, Any]:
    from cauce import flow, task
    from cauce.task_runners import DaskTaskRunner

    napping = task(nap)
    timings: dict[str, Any] = {}

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=CLUSTER))
    def sleepers() -> None:
        started = time.perf_counter()
        assert napping.map(range(n)).result() == list(range(n))
        timings["map_wall_s"] = time.perf_counter() - started

    started = time.perf_counter()
    state = sleepers(return_state=True)
    timings["flow_wall_s"] = time.perf_counter() - started
    state.result()  # raises if the flow failed
    run_id = state.state_details.flow_run_id
    started = time.perf_counter()
    recorded = timings["recorded_at_return"] = completed_task_runs(run_id)
    waited = 0.0
    while recorded < n and waited < RECORD_TIMEOUT_S:
        time.sleep(0.02)
        recorded = completed_task_runs(run_id)
        waited = time.perf_counter() - started
    timings["recorded"] = recorded
    timings["all_recorded_s"] = waited if recorded >= n else None
    timings["dask_map_wall_s"] = dask_sleep_map(n)
    return timings


def completed_task_runs(flow_run_id: Any) -> int:
    from cauce.client.factory import get_client

    return sum(run.state.is_completed() for run in get_client().read_task_runs(flow_run_id))


def dask_sleep_map(n: int) -> float:
    import distributed

    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:
        client.gather(client.map(identity, range(4), pure=False))  # the workers are up
        started = time.perf_counter()
        futures = client.map(nap, range(n), pure=False)
        assert client.gather(futures) == list(range(n))
        return time.perf_counter() - started


def trivial(n: int, repeats: int) -> dict[str, Any]:
    import distributed

    from cauce import flow, task
    from cauce.task_runners import DaskTaskRunner

    identical = task(identity)
    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:

        @flow(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        def trivial_map() -> None:
            assert identical.map(range(n)).result() == list(range(n))

        trivial_map()  # warm: imports on the workers, the store created
        dask_s, cauce_s = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            futures = client.map(identity, range(n), pure=False)
            assert client.gather(futures) == list(range(n))
            dask_s.append(time.perf_counter() - started)
            del futures
            started = time.perf_counter()
            trivial_map()
            cauce_s.append(time.perf_counter() - started)
    return {
        "trivial_dask_us": statistics.median(dask_s) / n * 1e6,
        "trivial_us": statistics.median(cauce_s) / n * 1e6,
    }


def measure_cauce(args: argparse.Namespace) -> dict[str, Any]:
    import logging

    with tempfile.TemporaryDirectory() as home:
        os.environ["CAUCE_HOME"] = home
        os.environ["CAUCE_LOGGING_LEVEL"] = "WARNING"
        logging.getLogger("distributed").setLevel(logging.ERROR)
        return {**sleep_map(args.sleep_tasks), **trivial(args.trivial_tasks, args.repeats)}


def measure_prefect(options: Options) -> dict[str, Any]:
    args = options.args
    with running_server(options.framework, options.python) as server:
        env = {
            "PREFECT_API_URL": server.api_url,
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "BENCH_DB_PATH": str(server.sqlite_path),
            "BENCH_SLEEP_N": str(args.sleep_tasks),
            "BENCH_TRIVIAL_N": str(args.trivial_tasks),
            "BENCH_REPEATS": str(args.repeats),
            "BENCH_CLUSTER": json.dumps(CLUSTER),
        }
        figures: dict[str, Any] = run_workload("dask_tasks_prefect.py", options, env=env).result
    figures["trivial_total_ratio"] = figures["trivial_total_us"] / figures["trivial_dask_us"]
    return figures


def measure(options: Options) -> dict[str, Any]:
    args = options.args
    if options.framework.name == "prefect":
        figures = measure_prefect(options)
    else:
        figures = measure_cauce(args)
    figures["trivial_ratio"] = figures["trivial_us"] / figures["trivial_dask_us"]
    figures["params"] = {
        "sleep_tasks": args.sleep_tasks,
        "trivial_tasks": args.trivial_tasks,
        "repeats": args.repeats,
        "cluster": CLUSTER,
    }
    return round_figures(figures, 2)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sleep-tasks", type=int, default=1000, help="50 ms tasks (1000)")
    parser.add_argument("--trivial-tasks", type=int, default=2000, help="trivial tasks (2000)")
    parser.add_argument("--repeats", type=int, default=3, help="trivial rounds (3)")


if __name__ == "__main__":
    bench_main("dask_task_runner", __doc__ or "", measure, add_arguments)
