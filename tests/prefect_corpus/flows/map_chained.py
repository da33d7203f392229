# Follows Prefect docs: "Run work concurrently" (mapping over the futures of another map).
from prefect import flow, task


@task
def double(x: int) -> int:
    return 2 * x


@task
def increment(x: int) -> int:
    return x + 1


@task
def total(values: list[int]) -> int:
    return sum(values)


@flow
def chained_maps() -> int:
    doubled = double.map(range(4))
    incremented = increment.map(doubled)
    return total(incremented)


if __name__ == "__main__":
    state = chained_maps(return_state=True)
    print("OUTCOME", chained_maps.name, state.type.value, state.name)
    print("RESULT", state.result())
