# Follows Prefect docs: "Task runners" (ProcessPoolTaskRunner for CPU-bound tasks).
import os

from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner


@task
def sum_of_squares(n: int) -> int:
    return sum(i**2 for i in range(n))


@task
def where() -> int:
    return os.getpid()


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def crunch(n: int = 4) -> list[int]:
    futures = [sum_of_squares.submit(i * 1000) for i in range(n)]
    print("RESULT elsewhere", where.submit().result() != os.getpid())
    return [future.result() for future in futures]


if __name__ == "__main__":
    state = crunch(return_state=True)
    print("OUTCOME", crunch.name, state.type.value, state.name)
    print("RESULT", state.result())
