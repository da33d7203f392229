"""One flow mapping a trivial task over 1,000 items, then collecting every result."""

from _workload_support import measure_task_flow, workload_size

from cauce import flow, task


@task
def add_one(x: int) -> int:
    return x + 1


@flow
def map_tasks(n: int) -> int:
    futures = add_one.map(range(n))
    return sum(futures.result())


if __name__ == "__main__":
    measure_task_flow(map_tasks, workload_size(1000))
