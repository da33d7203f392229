# Follows Prefect docs: "Retries" (exponential_backoff for retry delays).
from prefect import flow, task
from prefect.tasks import exponential_backoff

attempts = {"n": 0}


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=0.01))
def unstable() -> int:
    attempts["n"] += 1
    if attempts["n"] <= 2:
        raise OSError("unstable")
    return attempts["n"]


@flow
def backoff_flow() -> int:
    return unstable()


if __name__ == "__main__":
    state = backoff_flow(return_state=True)
    print("OUTCOME", backoff_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
