"""The sequential flow of 1,000 trivial tasks, run round after round in one process on
one home, so that each round records into a store holding the rounds before it."""

import os
import time

from _workload_support import report, workload_size

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
    n = workload_size(1000)
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    sequential_tasks(1)  # the store's creation, apart
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        sequential_tasks(n)
        per_round.append((time.perf_counter() - started) / n * 1e6)
    report(per_task_us_by_round=per_round)
