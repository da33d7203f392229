"""Inner script of dask_tasks.py for Prefect: prefect-dask's DaskTaskRunner against Dask alone.

Not a user workload: run as it is, for Prefect only, with PREFECT_API_URL naming a
`prefect server start` (the Dask workers inherit it, so they record on the same
server) and BENCH_DB_PATH its prefect.db, where COMPLETED task runs are counted.
BENCH_SLEEP_N, BENCH_TRIVIAL_N, BENCH_REPEATS and BENCH_CLUSTER (LocalCluster
keyword arguments, JSON) come from dask_tasks.py, which measures cauce the same way.
The Dask-alone baselines run here too, on the same clusters, so that a ratio
compares figures taken under the same load.
"""

import json
import logging
import os
import statistics
import time
from typing import Any

from _workload_support import count_completed_task_runs, report, wait_for_completed_task_runs

SLEEP_N = int(os.environ["BENCH_SLEEP_N"])
TRIVIAL_N = int(os.environ["BENCH_TRIVIAL_N"])
REPEATS = int(os.environ["BENCH_REPEATS"])
CLUSTER: dict[str, Any] = json.loads(os.environ["BENCH_CLUSTER"])


def identity(x: int) -> int:
    return x


def nap(x: int) -> int:
    time.sleep(0.05)
    return x


def sleep_map() -> dict[str, Any]:
    from prefect import flow, task
    from prefect_dask import DaskTaskRunner

    napping = task(nap)
    timings: dict[str, Any] = {}

    @flow(task_runner=DaskTaskRunner(cluster_kwargs=CLUSTER))
    def sleepers() -> None:
        started = time.perf_counter()
        assert napping.map(range(SLEEP_N)).result() == list(range(SLEEP_N))
        timings["map_wall_s"] = time.perf_counter() - started

    started = time.perf_counter()
    sleepers()
    timings["flow_wall_s"] = time.perf_counter() - started
    timings["recorded_at_return"] = count_completed_task_runs()
    timings["all_recorded_s"], timings["recorded"] = wait_for_completed_task_runs(SLEEP_N)
    timings["dask_map_wall_s"] = dask_sleep_map()
    return timings


def dask_sleep_map() -> float:
    import distributed

    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:
        client.gather(client.map(identity, range(4), pure=False))  # the workers are up
        started = time.perf_counter()
        futures = client.map(nap, range(SLEEP_N), pure=False)
        assert client.gather(futures) == list(range(SLEEP_N))
        return time.perf_counter() - started


def trivial() -> dict[str, Any]:
    import distributed
    from prefect import flow, task
    from prefect_dask import DaskTaskRunner

    identical = task(identity)
    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:

        @flow(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        def trivial_map() -> None:
            assert identical.map(range(TRIVIAL_N)).result() == list(range(TRIVIAL_N))

        expected = count_completed_task_runs()

        def recorded_map() -> tuple[float, float]:
            """(flow call seconds, seconds after it until its runs were all COMPLETED)."""
            nonlocal expected
            expected += TRIVIAL_N
            started = time.perf_counter()
            trivial_map()
            flow_s = time.perf_counter() - started
            lag_s, _ = wait_for_completed_task_runs(expected)
            if lag_s is None:
                raise TimeoutError(f"{expected} task runs not all COMPLETED in the database")
            return flow_s, lag_s

        recorded_map()  # warm: imports on the workers
        dask_s, flow_s, lag_s = [], [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            futures = client.map(identity, range(TRIVIAL_N), pure=False)
            assert client.gather(futures) == list(range(TRIVIAL_N))
            dask_s.append(time.perf_counter() - started)
            del futures
            flow_one, lag_one = recorded_map()
            flow_s.append(flow_one)
            lag_s.append(lag_one)
    return {
        "trivial_dask_us": statistics.median(dask_s) / TRIVIAL_N * 1e6,
        "trivial_us": statistics.median(flow_s) / TRIVIAL_N * 1e6,
        "trivial_all_recorded_s": statistics.median(lag_s),
        "trivial_total_us": statistics.median(map(sum, zip(flow_s, lag_s, strict=True)))
        / TRIVIAL_N
        * 1e6,
    }


if __name__ == "__main__":
    logging.getLogger("distributed").setLevel(logging.ERROR)
    report(**sleep_map(), **trivial())
