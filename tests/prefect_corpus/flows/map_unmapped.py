# Follows Prefect docs: "Run work concurrently" (.map with unmapped and quote arguments).
from prefect import flow, task, unmapped
from prefect.utilities.annotations import quote


@task
def add(x: int, y: int, rows: list[int]) -> int:
    return x + y + len(rows)


@flow
def mapped_adds() -> list[int]:
    futures = add.map([1, 2, 3], unmapped(10), rows=unmapped(quote(list(range(100)))))
    return futures.result()


if __name__ == "__main__":
    state = mapped_adds(return_state=True)
    print("OUTCOME", mapped_adds.name, state.type.value, state.name)
    print("RESULT", state.result())
