# Follows Prefect docs: "Retries" (a flaky task succeeds on a later attempt).
from prefect import flow, task

attempts = {"n": 0}


@task(retries=3, retry_delay_seconds=0)
def flaky() -> str:
    attempts["n"] += 1
    if attempts["n"] < 3:
        raise ConnectionError("try again")
    return "ok"


@flow
def with_retries() -> str:
    return flaky()


if __name__ == "__main__":
    state = with_retries(return_state=True)
    print("OUTCOME", with_retries.name, state.type.value, state.name)
    print("RESULT", state.result(), attempts["n"])
