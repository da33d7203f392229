# Follows Prefect docs: "Caching" (cache_policy=INPUTS; persist_result=True, DEFAULT policy).
from prefect import flow, task
from prefect.cache_policies import INPUTS

calls = {"n": 0}


@task(cache_policy=INPUTS)
def square(x: int) -> int:
    calls["n"] += 1
    return x * x


@task(persist_result=True)
def add_one(x: int) -> int:
    calls["n"] += 1
    return x + 1


@flow
def cached_squares() -> list[str]:
    states = [
        square(3, return_state=True),
        square(3, return_state=True),
        square(4, return_state=True),
    ]
    states += [add_one(1, return_state=True), add_one(1, return_state=True)]
    return [s.name for s in states]


if __name__ == "__main__":
    state = cached_squares(return_state=True)
    print("OUTCOME", cached_squares.name, state.type.value, state.name)
    print("RESULT", state.result(), calls["n"])
