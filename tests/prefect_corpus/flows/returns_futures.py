# Follows Prefect docs: "States" (a flow returning futures takes the state they imply).
from prefect import flow, task


@task
def check(x: int) -> int:
    if x == 2:
        raise ValueError("bad record")
    return x


@flow
def validate_all():
    return [check.submit(x) for x in range(4)]


if __name__ == "__main__":
    state = validate_all(return_state=True)
    print("OUTCOME", validate_all.name, state.type.value, state.name)
    raise SystemExit(0 if state.is_completed() else 1)
