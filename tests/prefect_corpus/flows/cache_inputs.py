# Follows Prefect docs: "Caching" (cache_policy=INPUTS: same inputs give a Cached state).
from prefect import flow, task
from prefect.cache_policies import INPUTS

calls = {"n": 0}


@task(cache_policy=INPUTS)
def square(x: int) -> int:
    calls["n"] += 1
    return x * x


@flow
def cached_squares() -> list[str]:
    first = square(3, return_state=True)
    second = square(3, return_state=True)
    third = square(4, return_state=True)
    return [s.name for s in (first, second, third)]


if __name__ == "__main__":
    state = cached_squares(return_state=True)
    print("OUTCOME", cached_squares.name, state.type.value, state.name)
    print("RESULT", state.result(), calls["n"])
