# Follows Prefect docs: "Retries" (retry_condition_fn decides which failures to retry).
from prefect import flow, task

attempts = {"n": 0}


def retry_on_timeout(task, task_run, state) -> bool:
    try:
        state.result()
    except TimeoutError:
        return True
    except Exception:
        return False
    return False


@task(retries=5, retry_delay_seconds=0, retry_condition_fn=retry_on_timeout)
def call_api() -> None:
    attempts["n"] += 1
    if attempts["n"] < 2:
        raise TimeoutError("slow")
    raise PermissionError("forbidden")


@flow
def conditional_retries() -> None:
    call_api()


if __name__ == "__main__":
    state = conditional_retries(return_state=True)
    print("OUTCOME", conditional_retries.name, state.type.value, state.name)
    print("RESULT", attempts["n"])
    state.result()
