"""One flow calling 1,000 trivial tasks one after another, each logging one line."""

from _workload_support import measure_task_flow, workload_size

from cauce import flow, get_run_logger, task


@task
def add_one(x: int) -> int:
    get_run_logger().info("adding one to %d", x)
    return x + 1


@flow
def logging_tasks(n: int) -> int:
    total = 0
    for i in range(n):
        total += add_one(i)
    return total


if __name__ == "__main__":
    measure_task_flow(logging_tasks, workload_size(1000))
