# Follows Prefect docs: "Global concurrency limits" (the concurrency context manager in tasks).
from prefect import flow, task
from prefect.concurrency.sync import concurrency


@task
def query(n: int) -> int:
    with concurrency("database", occupy=1):
        return n * n


@flow
def limited(n: int = 4) -> int:
    return sum(query.map(range(n)).result())


if __name__ == "__main__":
    state = limited(return_state=True)
    print("OUTCOME", limited.name, state.type.value, state.name)
    print("RESULT", state.result())
