# Follows Prefect docs: "Cache workflow steps" (persist_result=True with the DEFAULT policy).
from prefect import flow, task

calls = {"n": 0}


@task(persist_result=True)
def add_one(x: int) -> int:
    calls["n"] += 1
    return x + 1


@flow
def my_flow() -> int:
    return add_one(1) + add_one(1) + add_one(2)


if __name__ == "__main__":
    state = my_flow(return_state=True)
    print("OUTCOME", my_flow.name, state.type.value, state.name)
    print("RESULT", state.result(), calls["n"])
