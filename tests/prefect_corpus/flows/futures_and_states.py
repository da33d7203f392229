# Follows Prefect docs: "Run work concurrently" (submit(return_state=True), wait_for, with_options).
from prefect import flow, task
from prefect.futures import PrefectFuture


@task
def fetch(x: int) -> int:
    if x < 0:
        raise ValueError("negative")
    return x


@task
def announce(message: str) -> str:
    return message


@flow
def futures_demo() -> list[str]:
    first: PrefectFuture[int] = fetch.submit(1)
    failed = fetch.submit(-1, return_state=True)
    retrying = fetch.with_options(name="fetch-again", retries=1, retry_delay_seconds=0)
    second = retrying.submit(2, wait_for=[first])
    done = announce.submit("done", wait_for=[first, second])
    return [failed.type.value, failed.name, str(first.result() + second.result()), done.result()]


if __name__ == "__main__":
    state = futures_demo(return_state=True)
    print("OUTCOME", futures_demo.name, state.type.value, state.name)
    print("RESULT", state.result())
