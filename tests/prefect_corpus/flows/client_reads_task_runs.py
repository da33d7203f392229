# Follows Prefect docs: "Interact with the API" (get_client reads a task run's states
# and a flow by name).
import time

from prefect import flow, get_client, task
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId


@task
def double(x: int) -> int:
    return x * 2


@flow
def doubler(x: int) -> int:
    return double(x)


def task_run_states(client, flow_run_id) -> list:
    # Task runs reach the API shortly after they end: wait a little for the final state.
    of_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    for _ in range(100):
        task_runs = client.read_task_runs(flow_run_filter=of_run)
        if task_runs:
            states = client.read_task_run_states(task_runs[0].id)
            if states and states[-1].is_final():
                return states
        time.sleep(0.1)
    return []


if __name__ == "__main__":
    state = doubler(4, return_state=True)
    print("OUTCOME", doubler.name, state.type.value, state.name)
    with get_client(sync_client=True) as client:
        found = client.read_flow_by_name("doubler")
        print("RESULT", found.name, client.read_flow(found.id).name)
        states = task_run_states(client, state.state_details.flow_run_id)
        print("RESULT", [s.type.value for s in states])
