# Follows Prefect docs: "State change hooks" (on_running fires on each task attempt).
from prefect import flow, task

attempts = {"n": 0}


def started(task, task_run, state) -> None:
    print("RESULT on_running", state.type.value)


@task(retries=1, retry_delay_seconds=0, on_running=[started])
def second_time_lucky() -> int:
    attempts["n"] += 1
    if attempts["n"] == 1:
        raise RuntimeError("first")
    return attempts["n"]


@flow
def hook_on_running() -> int:
    return second_time_lucky()


if __name__ == "__main__":
    state = hook_on_running(return_state=True)
    print("OUTCOME", hook_on_running.name, state.type.value, state.name)
    print("RESULT", state.result())
