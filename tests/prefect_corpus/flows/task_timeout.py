# Follows Prefect docs: "Write and run tasks" (timeout_seconds on a task).
import time

from prefect import flow, task


@task(timeout_seconds=0.3)
def slow_task() -> None:
    time.sleep(2)


@flow
def waits_for_slow_task() -> str:
    state = slow_task(return_state=True)
    return f"{state.type.value} {state.name}"


if __name__ == "__main__":
    state = waits_for_slow_task(return_state=True)
    print("OUTCOME", waits_for_slow_task.name, state.type.value, state.name)
    print("RESULT", state.result())
