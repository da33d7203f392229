# Follows Prefect docs: "States" (return_state=True lets a flow inspect a failed task and go on).
from prefect import flow, task


@task
def risky(x: int) -> int:
    if x < 0:
        raise ValueError("negative")
    return x


@flow
def tolerant() -> str:
    good = risky(1, return_state=True)
    bad = risky(-1, return_state=True)
    return f"{good.type.value}/{good.name} {bad.type.value}/{bad.name} {good.result()}"


if __name__ == "__main__":
    state = tolerant(return_state=True)
    print("OUTCOME", tolerant.name, state.type.value, state.name)
    print("RESULT", state.result())
