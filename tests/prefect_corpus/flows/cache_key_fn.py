# Follows Prefect docs: "Caching" (cache_key_fn=task_input_hash with cache_expiration).
from datetime import timedelta

from prefect import flow, task
from prefect.tasks import task_input_hash

calls = {"n": 0}


@task(cache_key_fn=task_input_hash, cache_expiration=timedelta(minutes=5))
def fetch(url: str) -> int:
    calls["n"] += 1
    return len(url)


@flow
def fetch_twice() -> int:
    return fetch("https://example.com/a") + fetch("https://example.com/a")


if __name__ == "__main__":
    state = fetch_twice(return_state=True)
    print("OUTCOME", fetch_twice.name, state.type.value, state.name)
    print("RESULT", state.result(), calls["n"])
