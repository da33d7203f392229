# Follows Prefect docs: "Interact with the API" (get_client reads runs and updates their tags).
from prefect import flow, get_client


@flow
def audited(x: int) -> int:
    return x * 2


if __name__ == "__main__":
    state = audited(21, return_state=True)
    print("OUTCOME", audited.name, state.type.value, state.name)
    with get_client(sync_client=True) as client:
        run_id = state.state_details.flow_run_id
        client.update_flow_run(run_id, tags=["reviewed"])
        run = client.read_flow_run(run_id)
        print("RESULT", run.parameters, run.tags, run.state.type.value, run.state.name)
        print("RESULT", len(client.read_flow_runs(limit=10)))
