# Follows Prefect docs: "Run work concurrently" (.map with unmapped static arguments).
from prefect import flow, task, unmapped


@task
def add(x: int, y: int) -> int:
    return x + y


@flow
def mapped_adds() -> list[int]:
    futures = add.map([1, 2, 3], unmapped(10))
    return futures.result()


if __name__ == "__main__":
    state = mapped_adds(return_state=True)
    print("OUTCOME", mapped_adds.name, state.type.value, state.name)
    print("RESULT", state.result())
