# Follows Prefect docs: "States" (a parent flow that handles a failed subflow completes).
from prefect import flow


@flow
def child(x: int) -> int:
    if x > 1:
        raise ValueError("too big")
    return x


@flow
def parent() -> list[str]:
    states = [child(x, return_state=True) for x in range(3)]
    return [s.type.value for s in states]


if __name__ == "__main__":
    state = parent(return_state=True)
    print("OUTCOME", parent.name, state.type.value, state.name)
    print("RESULT", state.result())
