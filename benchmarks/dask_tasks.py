"""Figures: DaskTaskRunner against Dask alone, on a LocalCluster of 2 worker processes
with 2 threads each (4 threads in all).

`sleep_map`: a flow `.map`s N_SLEEP tasks sleeping 50 ms each, then reads every
result; `flow_wall_s` includes starting and closing the runner's cluster, `map_wall_s`
is from the `.map` call to the last result (`dask_map_wall_s`: the same with
`client.map` alone, on a cluster of its own); `recorded` counts the task runs COMPLETED
in the store after the flow returned (the flow flushes its records first).

`trivial`: N_TRIVIAL tasks returning their argument, on one cluster already up:
`dask_us` per task for `client.map` + `client.gather` alone, `cauce_us` per task for
a flow's `.map(...).result()` with DaskTaskRunner(address=...) (flow overhead
included), and their ratio. The median of REPEATS rounds each.

Run: `python benchmarks/dask_tasks.py` (needs `pip install "cauce[dask]"`); one JSON
line on stdout. The store is a fresh SQLite file under a temporary CAUCE_HOME.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

N_SLEEP = 1000
N_TRIVIAL = 2000
REPEATS = 3
CLUSTER = {"n_workers": 2, "threads_per_worker": 2, "processes": True, "dashboard_address": None}


def identity(x: int) -> int:
    return x


def nap(x: int) -> int:
    time.sleep(0.05)
    return x


def sleep_map() -> dict[str, Any]:
    from cauce import flow, task
    from cauce.client.factory import get_client
    from cauce.context import FlowRunContext
    from cauce.task_runners import DaskTaskRunner

    napping = task(nap)
    timings: dict[str, Any] = {}

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=CLUSTER))
    def sleepers() -> None:
        context = FlowRunContext.get()
        assert context is not None
        timings["flow_run_id"] = context.flow_run.id
        started = time.perf_counter()
        assert napping.map(range(N_SLEEP)).result() == list(range(N_SLEEP))
        timings["map_wall_s"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    sleepers()
    timings["flow_wall_s"] = round(time.perf_counter() - started, 2)
    runs = get_client().read_task_runs(timings.pop("flow_run_id"))
    timings["recorded"] = sum(run.state.is_completed() for run in runs)
    timings["dask_map_wall_s"] = dask_sleep_map()
    return timings


def dask_sleep_map() -> float:
    import distributed

    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:
        client.gather(client.map(identity, range(4), pure=False))  # the workers are up
        started = time.perf_counter()
        futures = client.map(nap, range(N_SLEEP), pure=False)
        assert client.gather(futures) == list(range(N_SLEEP))
        return round(time.perf_counter() - started, 2)


def trivial() -> dict[str, Any]:
    import distributed

    from cauce import flow, task
    from cauce.task_runners import DaskTaskRunner

    identical = task(identity)
    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:

        @flow(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        def trivial_map() -> None:
            assert identical.map(range(N_TRIVIAL)).result() == list(range(N_TRIVIAL))

        trivial_map()  # warm: imports on the workers, the store created
        dask_s, cauce_s = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            futures = client.map(identity, range(N_TRIVIAL), pure=False)
            assert client.gather(futures) == list(range(N_TRIVIAL))
            dask_s.append(time.perf_counter() - started)
            del futures
            started = time.perf_counter()
            trivial_map()
            cauce_s.append(time.perf_counter() - started)
    dask_us = statistics.median(dask_s) / N_TRIVIAL * 1e6
    cauce_us = statistics.median(cauce_s) / N_TRIVIAL * 1e6
    return {
        "dask_us": round(dask_us),
        "cauce_us": round(cauce_us),
        "ratio": round(cauce_us / dask_us, 2),
    }


def main() -> None:
    import logging

    with tempfile.TemporaryDirectory() as home:
        os.environ["CAUCE_HOME"] = home
        os.environ["CAUCE_LOGGING_LEVEL"] = "WARNING"  # 1,000 runs' lines on the terminal cost
        logging.getLogger("distributed").setLevel(logging.ERROR)
        figures = {"sleep_map": sleep_map(), "trivial": trivial()}
    figures["python"] = sys.version.split()[0]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
