"""One flow calling 1,000 trivial tasks one after another."""

from _workload_support import measure_task_flow, workload_size

from cauce import flow, task


@task
def add_one(x: int) -> int:
    return x + 1


@flow
def sequential_tasks(n: int) -> int:
    total = 0
    for i in range(n):
        total += add_one(i)
    return total


if __name__ == "__main__":
    measure_task_flow(sequential_tasks, workload_size(1000))
