# Follows Prefect docs: "States" (a task waiting on a failed upstream never runs; the flow fails).
from prefect import flow, task


@task
def produce() -> int:
    raise KeyError("missing")


@task
def consume(x: int) -> int:
    return x + 1


@flow
def downstream_of_failure():
    produced = produce.submit()
    return consume.submit(produced)


if __name__ == "__main__":
    state = downstream_of_failure(return_state=True)
    print("OUTCOME", downstream_of_failure.name, state.type.value, state.name)
    raise SystemExit(0 if state.is_completed() else 1)
