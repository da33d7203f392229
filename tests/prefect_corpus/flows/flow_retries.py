# Follows Prefect docs: "Retries" (flow-level retries rerun the whole flow).
from prefect import flow

runs = {"n": 0}


@flow(retries=2, retry_delay_seconds=0)
def retried_flow() -> int:
    runs["n"] += 1
    if runs["n"] == 1:
        raise RuntimeError("first attempt fails")
    return runs["n"]


if __name__ == "__main__":
    state = retried_flow(return_state=True)
    print("OUTCOME", retried_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
