# Follows Prefect docs: prefect.futures reference (as_completed yields futures as they finish).
import time

from prefect import flow, task
from prefect.futures import as_completed


@task
def slow_square(x: int) -> int:
    time.sleep(0.02 * (3 - x))
    return x * x


@flow
def collect_as_completed() -> list[int]:
    futures = [slow_square.submit(x) for x in range(3)]
    return sorted(f.result() for f in as_completed(futures))


if __name__ == "__main__":
    state = collect_as_completed(return_state=True)
    print("OUTCOME", collect_as_completed.name, state.type.value, state.name)
    print("RESULT", state.result())
