# Follows Prefect's examples: "update flow run state from a hook" and "conditionally
# retry" (annotated State[Any], Task[..., Any]; State from prefect.client.schemas).
from typing import Any

from prefect import Task, flow, get_client, task
from prefect.client.schemas import State, StateType
from prefect.client.schemas.objects import TaskRun

attempts = {"n": 0}


def retry_on_lookup(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    try:
        state.result()
    except LookupError:
        return True
    return False


@task(retries=3, retry_delay_seconds=0, retry_condition_fn=retry_on_lookup)
def flaky() -> int:
    attempts["n"] += 1
    if attempts["n"] < 3:
        raise KeyError("not yet")
    return attempts["n"]


def fail_anyway(flow, flow_run, state) -> None:
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(
            flow_run_id=flow_run.id,
            state=State(type=StateType.FAILED, message=f"not you {flow_run.parameters['name']}"),
            force=True,
        )


@flow(on_completion=[fail_anyway])
def hello(name: str = "Marvin") -> int:
    return flaky()


if __name__ == "__main__":
    state = hello(return_state=True)
    print("OUTCOME", hello.name, state.type.value, state.name)
    print("RESULT", attempts["n"])
    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(state.state_details.flow_run_id).state
    print("RESULT", stored.type.value, stored.message)
