"""200 small sync flows, one after another, each calling one task."""

from _workload_support import measure_batch, workload_size

from cauce import flow, task


@task
def add_one(x: int) -> int:
    return x + 1


@flow
def small_flow(x: int) -> int:
    return add_one(x)


def run_flows(n: int) -> None:
    for i in range(n):
        small_flow(i)


if __name__ == "__main__":
    measure_batch(run_flows, workload_size(200), unit="flow")
