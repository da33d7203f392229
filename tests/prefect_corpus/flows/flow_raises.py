# Follows Prefect docs: "States" (an exception in the flow body gives a Failed flow run).
from prefect import flow, task


@task
def extract() -> list[int]:
    return [1, 2, 3]


@flow
def broken_pipeline() -> int:
    data = extract()
    if len(data) < 5:
        raise ValueError("not enough rows")
    return sum(data)


if __name__ == "__main__":
    state = broken_pipeline(return_state=True)
    print("OUTCOME", broken_pipeline.name, state.type.value, state.name)
    state.result()
